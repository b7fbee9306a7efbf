/// `rescale` of the magnitude sparsifiers (TIES' trim, breadcrumbs, magnitude_prune), as
/// mergekit 0.1.5 has it for ties and breadcrumbs: the L1 ratio or nothing. 1/density has no
/// place here: a top-k cut is not a random drop whose expectation needs restoring.
enum MagnitudeRescaleMode: String, Sendable, ParameterChoice {
    /// |τ|₁ / |τ ⊙ mask|₁ per tensor (skipped if either is below 1e-7): mergekit's `rescale: true`.
    case l1
    /// Keep the survivors as they are: the default, as in mergekit and the TIES paper.
    case none

    static var booleanMeanings: (true: MagnitudeRescaleMode, false: MagnitudeRescaleMode)? { (.l1, .none) }

    var meaning: String? {
        switch self {
        case .l1: RescaleMode.l1.meaning
        case .none: RescaleMode.none.meaning
        }
    }

    /// The same rule in the random sparsifiers' terms, which the kernel setup uses.
    var mode: RescaleMode {
        switch self {
        case .l1: .l1
        case .none: .none
        }
    }
}
