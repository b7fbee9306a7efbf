import Foundation

/// A parameter's value once resolved for one tensor (and one input, for per-model parameters).
public enum ResolvedValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case bool(Bool)
    case string(String)
    case strings([String])

    public var description: String {
        switch self {
        case .number(let x): return Self.format(x)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return s
        case .strings(let list): return "[" + list.joined(separator: ", ") + "]"
        }
    }

    /// Short text for people (`0.5`, `1`, `1e-05`): 12 significant digits, so a computed
    /// 1 − 0.9 shows as 0.1 rather than 0.09999999999999998.
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        let short = String(format: "%.12g", x)
        return Double(short).map { "\($0)" } ?? short
    }
}

/// What a method accepts for one parameter: drives recipe checking, resolution and `methods`.
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A number, optionally restricted to a closed range.
        case number(ClosedRange<Double>?)
        case bool
        /// One of a fixed set of words.
        case choice([String])
        /// A list of strings (e.g. regular expressions).
        case stringList
    }

    /// Whether the parameter is set per source model (`models[].parameters`) or once per tensor.
    public enum Scope: Sendable, Equatable {
        case perModel
        case global
    }

    public var name: String
    public var kind: Kind
    public var scope: Scope
    /// nil means the parameter is required (when `isRequired`) or simply absent.
    public var defaultValue: ResolvedValue?
    public var isRequired: Bool
    public var help: String

    public init(
        _ name: String, _ kind: Kind, _ scope: Scope, default defaultValue: ResolvedValue? = nil,
        required isRequired: Bool = false, help: String
    ) {
        self.name = name
        self.kind = kind
        self.scope = scope
        self.defaultValue = defaultValue
        self.isRequired = isRequired
        self.help = help
    }

    /// How `methods` and `plan` describe the kind.
    public var kindDescription: String {
        switch kind {
        case .number(let range?): return "number in [\(ResolvedValue.format(range.lowerBound)), \(ResolvedValue.format(range.upperBound))]"
        case .number(nil): return "number"
        case .bool: return "bool"
        case .choice(let words): return words.joined(separator: " | ")
        case .stringList: return "list of strings"
        }
    }
}
