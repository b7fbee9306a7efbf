/// `dare_ties`: DARE's random drop and rescale on each task vector, then TIES' sign consensus.
public struct DARETIESMerge: TaskArithmeticFamily {
    public let name = "dare_ties"
    public let summary = "Randomly drops task-vector entries (DARE), then merges those agreeing with the elected sign."
    public let reference: String? = "https://arxiv.org/abs/2311.03099"
    let core = GeneralizedTaskArithmetic(sparsification: .random, usesConsensus: true, normalizesByDefault: false)

    public init() {}
}
