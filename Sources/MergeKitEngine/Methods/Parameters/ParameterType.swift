import MergeKitRecipe
public import MergeKitYAML

/// A Swift type a parameter can have. A value is parsed from recipe text once, at check time,
/// into its `ResolvedValue` form (what `plan` shows); a method's `prepare` reads it back as the
/// key's type.
public protocol ParameterType: Sendable {
    static var kind: ParameterKind { get }
    /// One scalar as written in a recipe, or nil when it is not a value of this type.
    static func parse(_ scalar: YAMLScalar) -> ResolvedValue?
    /// The value from its resolved form (nil: a different kind).
    init?(resolved: ResolvedValue)
    /// The resolved form (nil: an optional without a value).
    var resolved: ResolvedValue? { get }
    /// What a value does, for `plan` (nil: nothing to explain beyond the value itself).
    static func rule(for value: ResolvedValue) -> String?
}

extension ParameterType {
    public static func rule(for value: ResolvedValue) -> String? { nil }
}

extension Double: ParameterType {
    public static var kind: ParameterKind { .number }
    /// Numbers as people write them (ScalarConversions): `1e-5`, `.5`, `"0.5"`.
    public static func parse(_ scalar: YAMLScalar) -> ResolvedValue? { scalar.numberValue.map(ResolvedValue.number) }

    public init?(resolved: ResolvedValue) {
        guard case .number(let x) = resolved else { return nil }
        self = x
    }

    public var resolved: ResolvedValue? { .number(self) }
}

extension Bool: ParameterType {
    public static var kind: ParameterKind { .bool }
    /// YAML 1.1 booleans and 1 / 0 (ScalarConversions).
    public static func parse(_ scalar: YAMLScalar) -> ResolvedValue? { scalar.boolValue.map(ResolvedValue.bool) }

    public init?(resolved: ResolvedValue) {
        guard case .bool(let b) = resolved else { return nil }
        self = b
    }

    public var resolved: ResolvedValue? { .bool(self) }
}

extension Array: ParameterType where Element == String {
    public static var kind: ParameterKind { .strings }
    /// A single string is a one-element list.
    public static func parse(_ scalar: YAMLScalar) -> ResolvedValue? { .strings([scalar.value]) }

    public init?(resolved: ResolvedValue) {
        guard case .strings(let list) = resolved else { return nil }
        self = list
    }

    public var resolved: ResolvedValue? { .strings(self) }
}

/// An optional parameter: absent unless the recipe sets it.
extension Optional: ParameterType where Wrapped: ParameterType {
    public static var kind: ParameterKind { Wrapped.kind }
    public static func parse(_ scalar: YAMLScalar) -> ResolvedValue? { Wrapped.parse(scalar) }

    public init?(resolved: ResolvedValue) {
        guard let value = Wrapped(resolved: resolved) else { return nil }
        self = .some(value)
    }

    public var resolved: ResolvedValue? { self?.resolved }

    public static func rule(for value: ResolvedValue) -> String? { Wrapped.rule(for: value) }
}
