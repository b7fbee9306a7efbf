import Glibc
public import MergeKitSafetensors

/// The extraction stopped after its checks passed: a failure (`underlying`: an I/O error, a
/// failed decomposition, an input that changed) or a signal. Its `<out>.partial/` was removed:
/// an extraction cannot resume, so a half-built adapter is worth nothing.
public struct ExtractionStopped: ChainedError, Sendable {
    /// SIGINT or SIGTERM when a signal stopped it; nil when `underlying` did.
    public var signal: Int32?
    public var partialPath: String
    public var underlying: (any Error)?

    public init(signal: Int32? = nil, partialPath: String, underlying: (any Error)?) {
        self.signal = signal
        self.partialPath = partialPath
        self.underlying = underlying
    }

    public var summary: String? {
        guard let signal else { return "the extraction stopped and '\(partialPath)' was removed" }
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        return "interrupted by \(name); '\(partialPath)' was removed"
    }
}
