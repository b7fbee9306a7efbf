/// The parameters of one tensor (global ones), or of one input of it (per-model ones), as the
/// planner resolved them: every key of the method that has a value here, written or default,
/// in name order. `plan` shows them; a method's `prepare` reads them through its keys.
public struct ResolvedParameters: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: ResolvedValue
    }

    /// Sorted by name.
    public private(set) var entries: [Entry]

    public init() {
        entries = []
    }

    /// From (name, value) pairs, e.g. a dictionary.
    public init<Pairs: Sequence>(_ pairs: Pairs) where Pairs.Element == (key: String, value: ResolvedValue) {
        entries = pairs.map { Entry(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    /// The value resolved for the parameter named `name` (for reports; methods read keys).
    public subscript(name: String) -> ResolvedValue? {
        entries.first { $0.name == name }?.value
    }

    /// The key's value: the resolved one, else the key's default. A required key without a
    /// value, or a value of another kind, is a problem (the planner reports both before any
    /// method reads them, so they mean a method read a key it does not declare).
    func value<Value>(_ key: ParameterKey<Value>) throws(MethodProblem) -> Value {
        guard let resolved = self[key.name] else {
            guard case .defaultValue(let value) = key.requirement else {
                throw MethodProblem("parameter '\(key.name)' has no value")
            }
            return value
        }
        guard let value = Value(resolved: resolved) else {
            throw MethodProblem("parameter '\(key.name)' is \(resolved), not a \(key.kindDescription)")
        }
        return value
    }
}
