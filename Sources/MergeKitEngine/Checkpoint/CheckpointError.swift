public import MergeKitSafetensors

/// A model directory that cannot be used: the file at fault, what is wrong with it, and the typed
/// cause when another error found it (a `SafetensorsError`, a `JSONParseError`, a `SystemError`).
public struct CheckpointError: ChainedError, Sendable {
    public var file: String
    /// What is wrong, in words; nil when `underlying` names the file and says it all.
    public var problem: String?
    public var underlying: (any Error)?

    public init(file: String, _ problem: String, underlying: (any Error)? = nil) {
        self.file = file
        self.problem = problem
        self.underlying = underlying
    }

    /// A file whose own error (e.g. a `SafetensorsError`) names it and says what is wrong.
    public init(file: String, underlying: any Error) {
        self.file = file
        self.problem = nil
        self.underlying = underlying
    }

    public var summary: String? { problem.map { "\(file): \($0)" } }
}
