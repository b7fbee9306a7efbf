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
