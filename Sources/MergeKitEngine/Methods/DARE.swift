/// `dare` (+): the DARE paper's single-model experiment (Yu et al. 2024): θ_b + DARE(θ_ft − θ_b),
/// i.e. drop delta entries with probability p = 1 − density and rescale the rest by 1/(1 − p),
/// to measure how much of a fine-tune survives. One fine-tune only (dare_linear merges several).
public struct DAREMerge: TaskArithmeticFamily {
    public let name = "dare"
    public let summary = "Applies DARE to one fine-tune: drops delta entries at random and rescales the rest."
    public let reference: String? = "https://arxiv.org/abs/2311.03099"
    /// The base and exactly one fine-tune.
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 2)
    let core = GeneralizedTaskArithmetic(
        sparsification: .random, usesConsensus: false, normalizesByDefault: false, defaultWeight: 1)

    public init() {}
}
