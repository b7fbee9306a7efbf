/// Everything a merge method sees for one output tensor: its inputs in recipe order and the
/// parameters already resolved and type-checked for this tensor (kernels never see recipe text).
public struct MergeJob: Sendable {
    public struct Input: Sendable {
        /// The model as written in the recipe (for messages).
        public var model: String
        public var isBase: Bool
        /// Index among the slice's sources (`models:` order); nil for a base that is not listed.
        /// Part of the RNG key (docs/rng.md).
        public var sourcePosition: Int?
        /// Per-model parameters, resolved against this input's tensor name.
        public var parameters: [String: ResolvedValue]

        public init(model: String, isBase: Bool, sourcePosition: Int?, parameters: [String: ResolvedValue]) {
            self.model = model
            self.isBase = isBase
            self.sourcePosition = sourcePosition
            self.parameters = parameters
        }

        public func number(_ name: String) -> Double { parameters.number(name) }
        public func optionalNumber(_ name: String) -> Double? { parameters.optionalNumber(name) }
    }

    /// The output tensor's name.
    public var tensorName: String
    public var shape: [Int]
    public var inputs: [Input]
    /// Global parameters, resolved for this tensor.
    public var parameters: [String: ResolvedValue]
    /// The recipe's seed (docs/rng.md).
    public var seed: UInt64

    public init(tensorName: String, shape: [Int], inputs: [Input], parameters: [String: ResolvedValue], seed: UInt64) {
        self.tensorName = tensorName
        self.shape = shape
        self.inputs = inputs
        self.parameters = parameters
        self.seed = seed
    }

    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements per row: the last dimension (a 0-d or 1-d tensor is one row).
    public var rowLength: Int { shape.count <= 1 ? max(elementCount, 1) : max(shape[shape.count - 1], 1) }
    public var baseIndex: Int? { inputs.firstIndex(where: \.isBase) }

    public func number(_ name: String) -> Double { parameters.number(name) }
    public func optionalNumber(_ name: String) -> Double? { parameters.optionalNumber(name) }

    public func bool(_ name: String) -> Bool {
        if case .bool(let b)? = parameters[name] { return b }
        preconditionFailure("parameter '\(name)' was not resolved as a bool")
    }

    public func string(_ name: String) -> String {
        if case .string(let s)? = parameters[name] { return s }
        preconditionFailure("parameter '\(name)' was not resolved as a string")
    }
}

extension Dictionary where Key == String, Value == ResolvedValue {
    /// A parameter the planner resolved as a number (the spec guarantees the kind).
    func number(_ name: String) -> Double {
        guard let x = optionalNumber(name) else { preconditionFailure("parameter '\(name)' was not resolved as a number") }
        return x
    }

    func optionalNumber(_ name: String) -> Double? {
        if case .number(let x)? = self[name] { return x }
        return nil
    }
}
