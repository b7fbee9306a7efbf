/// Writing the output failed or is not allowed (exit code 1, or 64 for a refused path).
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The output path is not acceptable (exists, or overlaps an input).
        case refused
        /// An I/O failure while writing.
        case io
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
