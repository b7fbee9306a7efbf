/// Why an extraction cannot run: every problem found while checking the arguments and both
/// models' headers, before any weight is read.
public struct ExtractionError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// A flag's value is unusable (a bad regular expression, nothing left to extract).
        case arguments
        /// A checkpoint cannot be used (missing module, shape or dtype mismatch).
        case checkpoint
    }

    public var kind: Kind
    public var problems: [String]

    public init(_ kind: Kind, _ problems: [String]) {
        self.kind = kind
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}
