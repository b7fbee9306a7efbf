/// TIES sign election (Yadav et al. 2023): per entry, elect a sign from the models' votes and
/// merge only the entries that agree with it, which stops task vectors from cancelling.
struct SignConsensus: Sendable, Equatable {
    /// `sign_method`: `sum` elects sign⁺(Σ votes) (mergekit); `count` elects the sign most
    /// models have, sign⁺(Σ sign(vote)).
    enum Election: String, Sendable, ParameterChoice {
        case sum
        case count
    }

    /// `consensus_on`: `weighted` votes with wᵢ·τ̃ᵢ (mergekit); `unweighted` with τ̃ᵢ (the
    /// paper, MergeLM, PEFT). An entry agrees when its vote has the elected sign; 0 never does.
    enum Voters: String, Sendable, ParameterChoice {
        case weighted
        case unweighted
    }

    /// `disjoint_mean`: what `normalize` divides the agreeing sum by: their total `weight`
    /// (mergekit) or their `count` (the paper's disjoint mean).
    enum Divisor: String, Sendable, ParameterChoice {
        case weight
        case count
    }

    var election: Election
    var voters: Voters
    var divisor: Divisor
}
