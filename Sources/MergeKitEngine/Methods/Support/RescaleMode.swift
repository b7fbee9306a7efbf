/// `rescale` of the random sparsifiers (DARE, DELLA): what kept entries are multiplied by.
enum RescaleMode: Sendable, Equatable {
    /// 1/density (DELLA: 1/pⱼ per entry): the paper's unbiased rescale, the default.
    case inverseDensity
    /// |τ|₁ / |τ ⊙ mask|₁ per tensor (skipped if either is below 1e-7): what mergekit 0.1.5 does
    /// for `rescale: true`.
    case l1
    /// Keep the survivors as they are (the paper's DropOnly ablation).
    case none

    /// The accepted spellings. mergekit recipes write booleans: `true` means rescale
    /// (inverse_density here: the exact factor), `false` means none.
    static let words = ["inverse_density", "l1", "none", "true", "false"]

    init?(word: String) {
        switch word {
        case "inverse_density", "true": self = .inverseDensity
        case "l1": self = .l1
        case "none", "false": self = .none
        default: return nil
        }
    }
}
