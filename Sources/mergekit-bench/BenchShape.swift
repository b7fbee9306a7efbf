import MergeKitSafetensors
import MergeKitTensor

/// A synthetic decoder-only model shape (Llama/Qwen2/Qwen3 tensor names). The qwen2.5 shapes
/// have an untied `lm_head.weight`, so a model is 1.26 GB as in the mergekit
/// measurements; the llama shape ties its embeddings (as Llama-3.2-1B does). `qwen3-4b` is the
/// larger-than-memory shape: 4.02B parameters (8.04 GB per model in bf16, so base + 2 fine-tunes
/// are 24 GB), as Qwen3-4B: head_dim 128 wider than hidden / heads, q/k norms, tied embeddings.
struct BenchShape: Sendable {
    var name: String
    var hidden: Int
    var intermediate: Int
    var layers: Int
    var heads: Int
    var kvHeads: Int
    var vocab: Int
    /// Qwen2 has q/k/v biases.
    var attentionBias: Bool
    var tiedEmbeddings: Bool
    /// Per-head width when it is not hidden / heads (Qwen3).
    var explicitHeadDim: Int? = nil
    /// Qwen3's per-head RMS norms of queries and keys.
    var queryKeyNorms = false

    var headDim: Int { explicitHeadDim ?? hidden / heads }

    static let all: [BenchShape] = [
        BenchShape(name: "tiny", hidden: 64, intermediate: 192, layers: 4, heads: 4, kvHeads: 2, vocab: 512, attentionBias: true, tiedEmbeddings: false),
        BenchShape(name: "qwen2.5-0.5b", hidden: 896, intermediate: 4864, layers: 24, heads: 14, kvHeads: 2, vocab: 151_936, attentionBias: true, tiedEmbeddings: false),
        // Twice the parameters of qwen2.5-0.5b (twice the layers and the vocabulary), for the scaling row.
        BenchShape(name: "qwen2.5-0.5b-x2", hidden: 896, intermediate: 4864, layers: 48, heads: 14, kvHeads: 2, vocab: 303_872, attentionBias: true, tiedEmbeddings: false),
        BenchShape(name: "llama-1b", hidden: 2048, intermediate: 8192, layers: 16, heads: 32, kvHeads: 8, vocab: 128_256, attentionBias: false, tiedEmbeddings: true),
        BenchShape(
            name: "qwen3-4b", hidden: 2560, intermediate: 9728, layers: 36, heads: 32, kvHeads: 8, vocab: 151_936,
            attentionBias: false, tiedEmbeddings: true, explicitHeadDim: 128, queryKeyNorms: true),
    ]

    static func named(_ name: String) -> BenchShape? { all.first { $0.name == name } }

    /// Every tensor, in checkpoint order.
    var tensors: [OutputTensorSpec] {
        var specs = [OutputTensorSpec(name: "model.embed_tokens.weight", dtype: .bf16, shape: [vocab, hidden])]
        let kv = kvHeads * headDim
        for layer in 0..<layers {
            let prefix = "model.layers.\(layer)"
            var names: [(String, [Int])] = [("\(prefix).input_layernorm.weight", [hidden])]
            names.append(("\(prefix).self_attn.q_proj.weight", [heads * headDim, hidden]))
            if attentionBias { names.append(("\(prefix).self_attn.q_proj.bias", [heads * headDim])) }
            names.append(("\(prefix).self_attn.k_proj.weight", [kv, hidden]))
            if attentionBias { names.append(("\(prefix).self_attn.k_proj.bias", [kv])) }
            names.append(("\(prefix).self_attn.v_proj.weight", [kv, hidden]))
            if attentionBias { names.append(("\(prefix).self_attn.v_proj.bias", [kv])) }
            if queryKeyNorms {
                names += [("\(prefix).self_attn.q_norm.weight", [headDim]), ("\(prefix).self_attn.k_norm.weight", [headDim])]
            }
            names += [
                ("\(prefix).self_attn.o_proj.weight", [hidden, heads * headDim]),
                ("\(prefix).post_attention_layernorm.weight", [hidden]),
                ("\(prefix).mlp.gate_proj.weight", [intermediate, hidden]),
                ("\(prefix).mlp.up_proj.weight", [intermediate, hidden]),
                ("\(prefix).mlp.down_proj.weight", [hidden, intermediate]),
            ]
            specs += names.map { OutputTensorSpec(name: $0.0, dtype: .bf16, shape: $0.1) }
        }
        specs.append(OutputTensorSpec(name: "model.norm.weight", dtype: .bf16, shape: [hidden]))
        if !tiedEmbeddings {
            specs.append(OutputTensorSpec(name: "lm_head.weight", dtype: .bf16, shape: [vocab, hidden]))
        }
        return specs
    }

    var parameterCount: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    var config: String {
        let bias = attentionBias ? "true" : "false"
        let type = queryKeyNorms ? "qwen3" : attentionBias ? "qwen2" : "llama"
        let architecture = queryKeyNorms ? "Qwen3ForCausalLM" : attentionBias ? "Qwen2ForCausalLM" : "LlamaForCausalLM"
        return """
            {
              "architectures": ["\(architecture)"],
              "model_type": "\(type)",
              "hidden_size": \(hidden),
              "intermediate_size": \(intermediate),
              "num_hidden_layers": \(layers),
              "num_attention_heads": \(heads),
              "num_key_value_heads": \(kvHeads),
              "head_dim": \(headDim),
              "vocab_size": \(vocab),
              "attention_bias": \(bias),
              "tie_word_embeddings": \(tiedEmbeddings),
              "torch_dtype": "bfloat16"
            }

            """
    }
}
