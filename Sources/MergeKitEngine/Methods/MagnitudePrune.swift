/// `magnitude_prune` (+): keep each task vector's exact top-k |τ| (TIES' trim step alone, no
/// sign election), then task arithmetic. The deterministic counterpart of `dare_linear`.
public struct MagnitudePruneMerge: TaskArithmeticFamily {
    public let name = "magnitude_prune"
    public let summary = "Keeps each task vector's largest entries by magnitude, and adds them up."
    public let reference: String? = "https://arxiv.org/abs/2306.01708"
    let core = GeneralizedTaskArithmetic(sparsification: .magnitude, usesConsensus: false, normalizesByDefault: false)

    public init() {}
}
