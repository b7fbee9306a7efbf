import MergeKitEngine
import MergeKitSafetensors

/// The sizes and options of a Llama-family decoder (llama, mistral, qwen2, qwen3), read from its
/// config.json, or why the forward pass cannot run it.
struct DecoderConfiguration {
    static let supportedTypes = ["llama", "mistral", "qwen2", "qwen3"]

    let layers: Int
    let hidden: Int
    let heads: Int
    let keyValueHeads: Int
    let headDimension: Int
    let epsilon: Float
    let rotary: RotaryEmbedding
    /// Per-head RMSNorm of queries and keys (Qwen3).
    let normalizesQueriesAndKeys: Bool
    /// Keys further back than this are masked (Mistral's sliding window), if set.
    let slidingWindow: Int?

    static func read(_ model: ModelDirectory) -> (DecoderConfiguration?, String?) {
        let config = model.config
        let type = config["model_type"]?.stringValue ?? "(none)"
        guard supportedTypes.contains(type) else {
            return (nil, "its model_type '\(type)' has no forward pass here (\(supportedTypes.joined(separator: ", ")) do)")
        }
        let activation = config["hidden_act"]?.stringValue ?? "silu"
        guard activation == "silu" else { return (nil, "its hidden_act '\(activation)' is not implemented (silu is)") }
        guard let hidden = config["hidden_size"]?.intValue, let heads = config["num_attention_heads"]?.intValue,
              hidden > 0, heads > 0, let layers = try? model.layerCount(), layers > 0 else {
            return (nil, "its config.json lacks hidden_size, num_attention_heads or num_hidden_layers")
        }
        let keyValueHeads = config["num_key_value_heads"]?.intValue ?? heads
        let headDimension = config["head_dim"]?.intValue ?? hidden / heads
        guard keyValueHeads > 0, heads % keyValueHeads == 0, headDimension > 0, headDimension % 2 == 0 else {
            return (nil, "its attention sizes (\(heads) heads, \(keyValueHeads) key-value heads, head_dim \(headDimension)) are inconsistent")
        }
        if type == "qwen2" || type == "qwen3", config["use_sliding_window"]?.boolValue == true {
            return (nil, "it uses a sliding window on some layers, which is not implemented")
        }
        let (rotary, reason) = RotaryEmbedding.make(config: config, headDimension: headDimension)
        guard let rotary else { return (nil, reason) }
        let window = type == "mistral" ? config["sliding_window"]?.intValue : nil
        return (DecoderConfiguration(
            layers: layers, hidden: hidden, heads: heads, keyValueHeads: keyValueHeads, headDimension: headDimension,
            epsilon: Float(config["rms_norm_eps"]?.doubleValue ?? 1e-6), rotary: rotary,
            normalizesQueriesAndKeys: type == "qwen3", slidingWindow: window), nil)
    }
}
