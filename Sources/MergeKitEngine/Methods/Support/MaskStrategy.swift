/// `mask_strategy` of the DARE methods: which entries of a task vector are dropped.
enum MaskStrategy: String, Sendable, ParameterChoice {
    /// Each entry is kept with probability density (DARE).
    case random
    /// The smallest |τ| are dropped, the exact top k kept (MergeLM's magnitude variant).
    case magnitude
}
