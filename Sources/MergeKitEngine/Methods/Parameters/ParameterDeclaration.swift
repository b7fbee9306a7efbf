public import MergeKitYAML

/// A `ParameterKey` seen without its value type: what the recipe checker, the resolver and
/// `mergekit-swift methods` need to know about a parameter.
public protocol ParameterDeclaration: Sendable {
    var name: String { get }
    var scope: ParameterScope { get }
    var kind: ParameterKind { get }
    /// The closed range a number must lie in (nil: any finite number).
    var range: ClosedRange<Double>? { get }
    var isRequired: Bool { get }
    /// The value used when the recipe gives none (nil: required, or absent).
    var defaultValue: ResolvedValue? { get }
    /// Other names the parameter may be written under, and what they mean.
    var aliases: [ParameterAlias] { get }
    var help: String { get }

    /// One scalar as written, in the parameter's type (nil: not a value of that type). The only
    /// place recipe text becomes a parameter value.
    func parse(_ scalar: YAMLScalar) -> ResolvedValue?

    /// What `value` does, when the value alone does not say (`rescale: true`), for `plan`.
    func rule(for value: ResolvedValue) -> String?
}

extension ParameterDeclaration {
    /// How `methods` and messages describe the accepted values.
    public var kindDescription: String {
        switch kind {
        case .number:
            guard let range else { return "number" }
            return "number in [\(ResolvedValue.format(range.lowerBound)), \(ResolvedValue.format(range.upperBound))]"
        case .bool: return "bool"
        case .choice(let words): return words.joined(separator: " | ")
        case .strings: return "list of strings"
        }
    }

    /// The alias `written` is, if it is one of this parameter's.
    public func alias(named written: String) -> ParameterAlias? {
        aliases.first { $0.name == written }
    }

    /// Whether `written` sets this parameter (its name or an alias).
    public func isWritten(as written: String) -> Bool {
        written == name || alias(named: written) != nil
    }
}
