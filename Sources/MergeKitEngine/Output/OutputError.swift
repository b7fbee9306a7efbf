public import MergeKitSafetensors

/// Writing the output failed or is not allowed: what was being done, with the path, and the
/// typed cause (usually a `SystemError` with the call and errno). Exit code 64 for a refused
/// path, else 1.
public struct OutputError: ChainedError, Sendable {
    public enum Kind: Sendable {
        /// The output path is not acceptable (exists, overlaps an input, not ours to replace).
        case refused
        /// Another run holds the output's lock.
        case inUse
        /// An I/O failure while writing.
        case io
    }

    public var kind: Kind
    /// What failed, naming the path (without the cause).
    public var message: String
    public var underlying: (any Error)?

    public init(_ kind: Kind, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    public var summary: String? { message }
}
