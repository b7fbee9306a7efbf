/// Everything a merge method sees for one output tensor at plan time: its inputs in recipe order
/// and the parameters resolved for this tensor. A method's `prepare` reads them through its
/// typed keys into its configuration; kernels never see recipe text or parameter names.
public struct MergeJob: Sendable {
    public struct Input: Sendable {
        /// The model as written in the recipe (for messages).
        public var model: String
        public var isBase: Bool
        /// Index among the slice's sources (`models:` order); nil for a base that is not listed.
        /// Part of the RNG key (docs/rng.md).
        public var sourcePosition: Int?
        /// Per-model parameters, resolved against this input's tensor name.
        public var parameters: ResolvedParameters

        public init(model: String, isBase: Bool, sourcePosition: Int?, parameters: ResolvedParameters) {
            self.model = model
            self.isBase = isBase
            self.sourcePosition = sourcePosition
            self.parameters = parameters
        }
    }

    /// The output tensor's name.
    public var tensorName: String
    public var shape: [Int]
    public var inputs: [Input]
    /// Global parameters, resolved for this tensor.
    public var parameters: ResolvedParameters
    /// The recipe's seed (docs/rng.md).
    public var seed: UInt64

    public init(tensorName: String, shape: [Int], inputs: [Input], parameters: ResolvedParameters, seed: UInt64) {
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
    /// The inputs other than the base, in order.
    public var modelIndices: [Int] { inputs.indices.filter { !inputs[$0].isBase } }

    /// The base input, for methods whose `baseModel` is `.required`. The planner does not plan a
    /// tensor without it, so its absence is a problem, not a trap.
    public func requiredBase() throws(MethodProblem) -> Int {
        guard let base = baseIndex else { throw MethodProblem("it needs base_model among its inputs") }
        return base
    }

    /// A global parameter's value for this tensor.
    public func value<Value>(_ key: ParameterKey<Value>) throws(MethodProblem) -> Value {
        guard key.scope == .global else { throw MethodProblem("'\(key.name)' is a per-model parameter") }
        return try parameters.value(key)
    }

    /// A per-model parameter's value for input `input`.
    public func value<Value>(_ key: ParameterKey<Value>, of input: Int) throws(MethodProblem) -> Value {
        guard key.scope == .perModel else { throw MethodProblem("'\(key.name)' is a global parameter") }
        guard inputs.indices.contains(input) else { throw MethodProblem("input \(input) does not exist") }
        return try inputs[input].parameters.value(key)
    }
}
