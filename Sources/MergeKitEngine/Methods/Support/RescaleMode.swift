/// `rescale` of the random sparsifiers (DARE, DELLA): what kept entries are multiplied by.
enum RescaleMode: String, Sendable, ParameterChoice {
    /// 1/density (DELLA: 1/pⱼ per entry): the paper's unbiased rescale, the default.
    case inverseDensity = "inverse_density"
    /// |τ|₁ / |τ ⊙ mask|₁ per tensor (skipped if either is below 1e-7): what mergekit 0.1.5 does
    /// for `rescale: true`.
    case l1
    /// Keep the survivors as they are (the paper's DropOnly ablation).
    case none

    /// mergekit recipes write booleans: `true` means rescale (inverse_density here: the exact
    /// factor), `false` means none.
    static var booleanMeanings: (true: RescaleMode, false: RescaleMode)? { (.inverseDensity, .none) }
}
