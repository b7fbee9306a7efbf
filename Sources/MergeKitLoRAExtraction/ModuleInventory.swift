public import MergeKitEngine
import MergeKitSafetensors

/// The modules with weights of a decoder-only model, in the order transformers' `named_modules()`
/// visits them: the input embedding, the layers in index order, the final norm, then `lm_head`.
/// (The order matters only as it does in mergekit: a module key is added to `modules_to_save`
/// when its first module is met.)
public enum ModuleInventory {
    /// Architectures whose every 2-D weight other than the embedding is an `nn.Linear`, so a
    /// tensor name and shape say how transformers (and PEFT) will see it. GPT-2's `Conv1D` or
    /// fused MoE experts would not fit this rule.
    public static let supportedArchitectures = [
        "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
        "GemmaForCausalLM", "Gemma2ForCausalLM", "Phi3ForCausalLM",
    ]

    static let inputEmbeddingKey = "embed_tokens"
    static let outputEmbeddingName = "lm_head"

    /// The model's architecture name from config.json (`architectures[0]`), if any.
    public static func architecture(of model: ModelDirectory) -> String? {
        model.config["architectures"]?.arrayValue?.first?.stringValue
    }

    /// The input embedding's tensor, if the model has one.
    public static func inputEmbeddingTensor(of model: ModelDirectory) -> String? {
        model.tensorNames.first { $0.hasSuffix("." + inputEmbeddingKey + ".weight") }
    }

    /// The modules of `model`. A missing `lm_head.weight` means the head is tied to the input
    /// embedding (transformers still builds an `lm_head` module, sharing that tensor).
    public static func modules(of model: ModelDirectory) -> [CheckpointModule] {
        let names = Set(model.tensorNames)
        var modules: [(order: (group: Int, position: Int), module: CheckpointModule)] = []
        for (position, tensor) in model.tensorNames.enumerated() where tensor.hasSuffix(".weight") {
            let name = String(tensor.dropLast(".weight".count))
            let bias = names.contains(name + ".bias") ? name + ".bias" : nil
            let rank = model.tensor(named: tensor)?.shape.count ?? 0
            let kind: CheckpointModule.Kind
            if name.hasSuffix("." + inputEmbeddingKey) || name == inputEmbeddingKey {
                kind = .inputEmbedding
            } else if name == outputEmbeddingName {
                kind = .outputEmbedding
            } else {
                kind = rank == 2 ? .linear : .undecomposable
            }
            modules.append((order(of: name, position: position),
                            CheckpointModule(name: name, kind: kind, weightTensor: tensor, biasTensor: bias)))
        }
        if !names.contains(outputEmbeddingName + ".weight"), let embedding = inputEmbeddingTensor(of: model) {
            modules.append(((Int.max, 0), CheckpointModule(
                name: outputEmbeddingName, kind: .outputEmbedding, weightTensor: embedding, biasTensor: nil)))
        }
        return modules.sorted { $0.order < $1.order }.map(\.module)
    }

    /// (0, file position) before the layers, (1 + layer, position) inside them, then the final
    /// tensors with `lm_head` last.
    private static func order(of name: String, position: Int) -> (group: Int, position: Int) {
        switch TensorNaming.placement(of: name + ".weight") {
        case .beforeLayers: return (0, position)
        case .layer(let index): return (1 + index, position)
        case .afterLayers: return (name == outputEmbeddingName ? Int.max : Int.max - 1, position)
        }
    }
}
