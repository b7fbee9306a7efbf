import MergeKitSafetensors
import MergeKitTensor

/// The output config.json: the base's, with the keys mergekit 0.1.5 (through transformers 5's
/// config classes) sets for each architecture. Keys the base has and the MoE class does not
/// know stay, as in mergekit's output.
enum MoEOutputConfig {
    static func make(
        base: JSONValue, architecture: MoEArchitecture, experts: Int, expertsPerToken: Int, intermediate: Int, dtype: DType?
    ) -> JSONValue {
        var config = base.objectValue ?? JSONObject()
        let settings: [(String, JSONValue)]
        switch architecture {
        case .mixtral:
            settings = [
                ("architectures", ["MixtralForCausalLM"]), ("model_type", "mixtral"),
                ("num_local_experts", .integer(experts)), ("num_experts_per_tok", .integer(expertsPerToken)),
                ("sliding_window", .null), ("output_router_logits", false), ("router_aux_loss_coef", .number("0.001")),
                ("router_jitter_noise", .number("0.0")),
            ]
        case .qwenMoE:
            settings = [
                ("architectures", ["Qwen2MoeForCausalLM"]), ("model_type", "qwen2_moe"),
                ("num_experts", .integer(experts)), ("num_experts_per_tok", .integer(expertsPerToken)),
                ("decoder_sparse_step", 1), ("norm_topk_prob", true), ("sliding_window", .null), ("use_sliding_window", false),
                ("shared_expert_intermediate_size", .integer(intermediate)), ("moe_intermediate_size", .integer(intermediate)),
                ("mlp_only_layers", []), ("qkv_bias", true), ("output_router_logits", false),
                ("router_aux_loss_coef", .number("0.001")),
            ]
        case .qwen3MoE:
            settings = [
                ("architectures", ["Qwen3MoeForCausalLM"]), ("model_type", "qwen3_moe"),
                ("num_local_experts", .integer(experts)), ("num_experts_per_tok", .integer(expertsPerToken)),
                ("decoder_sparse_step", 1), ("norm_topk_prob", true), ("moe_intermediate_size", .integer(intermediate)),
                ("mlp_only_layers", []), ("output_router_logits", false), ("router_aux_loss_coef", .number("0.001")),
            ]
        case .deepseek:
            settings = []
        }
        for (key, value) in settings { config[key] = value }
        if let dtype {
            // transformers 5 writes `dtype`; an older `torch_dtype` would contradict it.
            config["torch_dtype"] = nil
            config["dtype"] = .string(dtype.torchName)
        }
        return .object(config)
    }
}
