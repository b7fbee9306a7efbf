/// Choices that shape a plan but are not part of the recipe.
public struct PlanOptions: Sendable {
    /// Largest output shard, in bytes (tensors are never split).
    public var outShardSize: Int
    /// Treat every warning as an error.
    public var strict: Bool
    /// Elements per chunk in the streaming passes. Fixed per plan so reductions (and so the
    /// output bytes) never depend on the thread count.
    public var chunkElements: Int

    public static let defaultOutShardSize = 5_000_000_000
    public static let defaultChunkElements = 1 << 18

    public init(outShardSize: Int = defaultOutShardSize, strict: Bool = false, chunkElements: Int = defaultChunkElements) {
        self.outShardSize = outShardSize
        self.strict = strict
        self.chunkElements = chunkElements
    }
}
