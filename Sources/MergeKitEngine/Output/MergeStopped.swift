public import MergeKitSafetensors

/// The run failed after `<out>.partial/` was set up (a write failed, an input changed, a side
/// file could not be copied): the cause, and where the finished tensors are kept for `--resume`.
public struct MergeStopped: ChainedError, Sendable {
    public var partialPath: String
    public var underlying: (any Error)?

    public init(partialPath: String, underlying: any Error) {
        self.partialPath = partialPath
        self.underlying = underlying
    }

    public var summary: String? { "the merge stopped" }

    /// What the user can do about it.
    public var recovery: String {
        "the finished tensors are kept in '\(partialPath)': once the cause is fixed (free space, restore the input), run the same command with --resume"
    }
}
