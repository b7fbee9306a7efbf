public import MergeKitSafetensors

/// The run failed after `<out>.partial/` was set up (a write failed, an input changed, a side
/// file could not be copied): the cause, and where the finished tensors are kept for `--resume`.
public struct MergeStopped: ChainedError, Sendable {
    public var partialPath: String
    public var underlying: (any Error)?
    /// What stopped, in the summary: "merge" (`apply`), "build" (`moe`).
    public var activity: String

    public init(partialPath: String, underlying: any Error, activity: String = "merge") {
        self.partialPath = partialPath
        self.underlying = underlying
        self.activity = activity
    }

    public var summary: String? { "the \(activity) stopped" }

    /// What the user can do about it.
    public var recovery: String {
        "the finished tensors are kept in '\(partialPath)': once the cause is fixed (free space, restore the input), run the same command with --resume"
    }
}
