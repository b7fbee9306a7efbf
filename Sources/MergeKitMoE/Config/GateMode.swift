/// How router (gate) weights are initialised, mergekit-moe's `gate_mode`.
public enum GateMode: String, Sendable, CaseIterable {
    /// The base model's hidden state at each layer's input for the last token of each prompt,
    /// averaged over the prompts (mergekit's default; `hidden_last` is the same).
    case hidden
    case hiddenLast = "hidden_last"
    /// The same, averaged over the tokens of each prompt.
    case hiddenAverage = "hidden_avg"
    /// The normalized sum of the prompts' token embeddings, the same for every layer.
    case cheapEmbed = "cheap_embed"
    /// Standard normal values (seeded, docs/rng.md).
    case random
    /// Uniform in ±1/√hidden, like torch's default `nn.Linear` initialisation (seeded).
    case uniformRandom = "uniform_random"

    /// Whether the gates come from prompts (so every expert needs positive prompts).
    public var usesPrompts: Bool {
        switch self {
        case .random, .uniformRandom: return false
        default: return true
        }
    }

    public var usesHiddenStates: Bool {
        self == .hidden || self == .hiddenLast || self == .hiddenAverage
    }
}
