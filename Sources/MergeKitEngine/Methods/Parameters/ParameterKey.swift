public import MergeKitYAML

/// One parameter a method takes, declared once: its name, scope, type, default (or that it is
/// required), range, aliases and help. Recipe checking, resolution, `mergekit-swift methods`
/// and the methods' typed configurations are all derived from these declarations.
public struct ParameterKey<Value: ParameterType>: ParameterDeclaration {
    public enum Requirement: Sendable {
        /// A recipe must give a value.
        case required
        /// The value when a recipe gives none (`nil` for an optional key: absent).
        case defaultValue(Value)
    }

    public let name: String
    public let scope: ParameterScope
    public let requirement: Requirement
    public let range: ClosedRange<Double>?
    public let aliases: [ParameterAlias]
    public let help: String

    /// A key without a numeric range or aliases.
    public init(_ name: String, _ scope: ParameterScope, _ requirement: Requirement, help: String) {
        self.name = name
        self.scope = scope
        self.requirement = requirement
        range = nil
        aliases = []
        self.help = help
    }

    public var kind: ParameterKind { Value.kind }

    public var isRequired: Bool {
        if case .required = requirement { return true }
        return false
    }

    public var defaultValue: ResolvedValue? {
        if case .defaultValue(let value) = requirement { return value.resolved }
        return nil
    }

    public func parse(_ scalar: YAMLScalar) -> ResolvedValue? {
        Value.parse(scalar)
    }

    public func rule(for value: ResolvedValue) -> String? {
        Value.rule(for: value)
    }
}

extension ParameterKey where Value == Double {
    /// A number key, optionally limited to a closed range and spelled other ways too.
    public init(
        _ name: String, _ scope: ParameterScope, _ requirement: Requirement, range: ClosedRange<Double>? = nil,
        aliases: [ParameterAlias] = [], help: String
    ) {
        self.name = name
        self.scope = scope
        self.requirement = requirement
        self.range = range
        self.aliases = aliases
        self.help = help
    }
}
