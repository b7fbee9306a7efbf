/// `della_linear`: DELLA's magnitude-ranked random drop, then task arithmetic (no consensus).
public struct DELLALinearMerge: TaskArithmeticFamily {
    public let name = "della_linear"
    public let summary = "Drops task-vector entries with a probability falling with their magnitude rank, and adds the rest."
    public let reference: String? = "https://arxiv.org/abs/2406.11617"
    let core = GeneralizedTaskArithmetic(sparsification: .rankedRandom, usesConsensus: false, normalizesByDefault: false)

    public init() {}
}
