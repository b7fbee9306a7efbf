/// `dare_linear`: DARE (Yu et al. 2024) on each task vector — drop entries with probability
/// 1 − density, rescale the survivors by 1/density — then task arithmetic.
public struct DARELinearMerge: TaskArithmeticFamily {
    public let name = "dare_linear"
    public let summary = "Randomly drops task-vector entries (DARE), rescales the rest, and adds them up."
    public let reference: String? = "https://arxiv.org/abs/2311.03099"
    let core = GeneralizedTaskArithmetic(sparsification: .random, usesConsensus: false, normalizesByDefault: false)

    public init() {}
}
