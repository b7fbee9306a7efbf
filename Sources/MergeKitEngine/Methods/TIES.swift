/// `ties`: TIES-Merging (Yadav et al. 2023): trim each task vector to its top-k |τ|, elect a
/// sign per entry, and average the agreeing entries (normalize defaults to true).
public struct TIESMerge: TaskArithmeticFamily {
    public let name = "ties"
    public let summary = "Keeps each task vector's largest entries, then merges those agreeing with the elected sign."
    public let reference: String? = "https://arxiv.org/abs/2306.01708"
    let core = GeneralizedTaskArithmetic(sparsification: .magnitude, usesConsensus: true, normalizesByDefault: true)

    public init() {}
}
