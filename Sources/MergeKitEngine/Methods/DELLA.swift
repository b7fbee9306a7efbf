/// `della`: DELLA-Merging (Deep et al. 2024): per row, keep larger |τ| with higher probability
/// (density ± epsilon by rank), rescale by 1/p, then TIES' sign consensus (normalize: true).
public struct DELLAMerge: TaskArithmeticFamily {
    public let name = "della"
    public let summary = "Drops task-vector entries with a probability falling with their magnitude rank, then elects signs."
    public let reference: String? = "https://arxiv.org/abs/2406.11617"
    let core = GeneralizedTaskArithmetic(sparsification: .rankedRandom, usesConsensus: true, normalizesByDefault: true)

    public init() {}
}
