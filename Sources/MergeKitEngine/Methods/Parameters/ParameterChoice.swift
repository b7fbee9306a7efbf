public import MergeKitYAML
import MergeKitRecipe

/// A parameter that is one of a fixed set of words: an enum whose raw values are the recipe
/// spellings. A choice may also accept YAML booleans (mergekit recipes write `rescale: true`),
/// each meaning one of its cases.
public protocol ParameterChoice: ParameterType, CaseIterable, RawRepresentable<String> {
    /// What `true` and `false` mean, for choices that accept booleans (default: none).
    static var booleanMeanings: (true: Self, false: Self)? { get }
    /// What the case does, in a few words, for `plan` (default: nothing to explain).
    var meaning: String? { get }
}

extension ParameterChoice {
    public static var booleanMeanings: (true: Self, false: Self)? { nil }
    public var meaning: String? { nil }

    /// `true (= l1) — kept entries × …`: a boolean names the case it stands for.
    public static func rule(for value: ResolvedValue) -> String? {
        guard case .string(let word) = value, let choice = Self(resolved: value), let meaning = choice.meaning else { return nil }
        return word == choice.rawValue ? "\(word) — \(meaning)" : "\(word) (= \(choice.rawValue)) — \(meaning)"
    }

    /// The accepted words: the cases, then `true` / `false` when booleans are accepted.
    public static var words: [String] {
        allCases.map(\.rawValue) + (booleanMeanings == nil ? [] : ["true", "false"])
    }

    public static var kind: ParameterKind { .choice(words) }

    /// A boolean keeps its spelling as `true` / `false` (so `plan` shows what was meant); any
    /// other word must be a case.
    public static func parse(_ scalar: YAMLScalar) -> ResolvedValue? {
        if booleanMeanings != nil, let bool = scalar.boolValue { return .string(bool ? "true" : "false") }
        return Self(rawValue: scalar.value) == nil ? nil : .string(scalar.value)
    }

    public init?(resolved: ResolvedValue) {
        guard case .string(let word) = resolved else { return nil }
        if let value = Self(rawValue: word) {
            self = value
        } else if let meanings = Self.booleanMeanings, word == "true" || word == "false" {
            self = word == "true" ? meanings.true : meanings.false
        } else {
            return nil
        }
    }

    public var resolved: ResolvedValue? { .string(rawValue) }
}
