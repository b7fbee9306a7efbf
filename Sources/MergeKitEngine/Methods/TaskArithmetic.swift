/// `task_arithmetic`: θ_b + λ·Σ wᵢ(θᵢ − θ_b) (Ilharco et al. 2023), optionally divided by Σ wᵢ.
/// The sparsifying variants (TIES, DARE, …) share its core, `GeneralizedTaskArithmetic`.
public struct TaskArithmeticMerge: TaskArithmeticFamily {
    public let name = "task_arithmetic"
    public let summary = "Adds the weighted task vectors (fine-tune minus base) to the base."
    public let reference: String? = "https://arxiv.org/abs/2212.04089"
    let core = GeneralizedTaskArithmetic(sparsification: .none, usesConsensus: false, normalizesByDefault: false)

    public init() {}
}
