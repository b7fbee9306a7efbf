/// Choices that shape a plan but are not part of the recipe.
public struct PlanOptions: Sendable {
    /// Largest output shard, in bytes (tensors are never split).
    public var outShardSize: Int
    /// Treat every warning as an error.
    public var strict: Bool
    /// Elements per canonical block of the reduction passes (whole rows). Fixed per plan and
    /// independent of the memory budget, so reductions (and so the output bytes) never depend on
    /// the thread count or the budget.
    public var chunkElements: Int
    /// Crop vocabulary-sized tensors (embeddings, lm_head) of different sizes to the rows every
    /// model has, with a warning, instead of failing (`--unsafe-truncate-embeddings`).
    public var unsafeTruncateEmbeddings: Bool
    /// Bytes the workers' buffers may use (`--memory-budget`); sizes the map-pass chunks.
    public var memoryBudget: Int
    /// The seed of the random methods when the recipe has no `seed:` (`--random-seed`); a recipe
    /// seed wins, with a warning naming both when they differ. nil: 0.
    public var randomSeed: UInt64?
    /// Merge models whose config.json names different architectures or model types
    /// (`--allow-crimes`, mergekit's name); without it that is a plan-time error.
    public var allowCrimes: Bool

    public static let defaultOutShardSize = 5_000_000_000
    public static let defaultChunkElements = 1 << 16
    public static let defaultMemoryBudget = ExecutionBudget.defaultBytes

    public init(
        outShardSize: Int = defaultOutShardSize, strict: Bool = false, chunkElements: Int = defaultChunkElements,
        memoryBudget: Int = defaultMemoryBudget, unsafeTruncateEmbeddings: Bool = false, randomSeed: UInt64? = nil,
        allowCrimes: Bool = false
    ) {
        self.outShardSize = outShardSize
        self.strict = strict
        self.chunkElements = chunkElements
        self.memoryBudget = memoryBudget
        self.unsafeTruncateEmbeddings = unsafeTruncateEmbeddings
        self.randomSeed = randomSeed
        self.allowCrimes = allowCrimes
    }
}
