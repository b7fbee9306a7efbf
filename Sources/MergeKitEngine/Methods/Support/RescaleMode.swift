/// `rescale` of the random sparsifiers (DARE, DELLA): what kept entries are multiplied by.
enum RescaleMode: String, Sendable, ParameterChoice {
    /// 1/density (DELLA: 1/pⱼ per entry): the paper's unbiased rescale, the default.
    case inverseDensity = "inverse_density"
    /// |τ|₁ / |τ ⊙ mask|₁ per tensor (skipped if either is below 1e-7): what mergekit 0.1.5 does
    /// for `rescale: true`.
    case l1
    /// Keep the survivors as they are (the paper's DropOnly ablation).
    case none

    /// mergekit recipes write booleans and mean its rule: `true` is the L1 ratio (mergekit's
    /// only rescale), `false` none. The exact 1/density stays the default when nothing is written.
    static var booleanMeanings: (true: RescaleMode, false: RescaleMode)? { (.l1, .none) }

    var meaning: String? {
        switch self {
        case .inverseDensity: "kept entries × 1/density (DELLA: 1/pⱼ per entry), the paper's exact rescale"
        case .l1: "kept entries × |τ|₁/|τ ⊙ mask|₁ per tensor and model, mergekit's rescale"
        case .none: "kept entries as they are, not rescaled"
        }
    }
}
