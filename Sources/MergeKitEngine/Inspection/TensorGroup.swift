/// The part of a transformer a tensor belongs to, from its name, for `inspect`'s summary.
public enum TensorGroup: String, Sendable, CaseIterable {
    case embeddings
    case attention
    case mlp
    case norms
    case head
    case other

    public init(tensorName name: String) {
        let lower = name.lowercased()
        // Norms first: "post_attention_layernorm" is a norm, not attention.
        if lower.contains("norm") || lower.contains(".ln_") || lower.hasPrefix("ln_") {
            self = .norms
        } else if lower.contains("lm_head") || lower == "output.weight" {
            self = .head
        } else if TensorNaming.placement(of: name) == .beforeLayers {
            self = .embeddings
        } else if lower.contains("attn") || lower.contains("attention") {
            self = .attention
        } else if lower.contains("mlp") || lower.contains("feed_forward") || lower.contains("ffn") {
            self = .mlp
        } else {
            self = .other
        }
    }
}
