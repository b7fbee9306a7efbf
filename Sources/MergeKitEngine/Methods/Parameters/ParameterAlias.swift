/// Another name a parameter may be written under, with how its value maps onto the parameter's:
/// `drop_rate: p` means `density: 1 − p`.
public struct ParameterAlias: Sendable, Equatable {
    public enum Relation: Sendable, Equatable {
        /// The alias's value x means 1 − x.
        case complement
    }

    public let name: String
    public let relation: Relation

    public static func complement(_ name: String) -> ParameterAlias {
        ParameterAlias(name: name, relation: .complement)
    }

    /// The parameter's value for the alias's resolved value.
    func apply(to value: ResolvedValue) -> ResolvedValue {
        switch relation {
        case .complement:
            guard case .number(let x) = value else { return value }
            return .number(1 - x)
        }
    }

    /// "1 − density": what the alias's value means for `parameter`.
    func meaning(for parameter: String) -> String {
        switch relation {
        case .complement: return "1 − \(parameter)"
        }
    }

    /// The `methods` listing's note, e.g. "drop_rate: p may be written instead of density: 1 − p".
    func note(for parameter: String) -> String {
        switch relation {
        case .complement: return "\(name): p may be written instead of \(parameter): 1 − p"
        }
    }
}
