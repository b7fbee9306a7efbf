/// A module of the fine-tuned model that has a weight, as transformers builds it: the tensor
/// `<name>.weight` (and `<name>.bias` when present), or for a tied output head, the input
/// embedding's tensor under the head's name.
public struct CheckpointModule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A 2-D weight of an `nn.Linear`: decomposed as `lora_A` / `lora_B`.
        case linear
        /// The input embedding (`nn.Embedding`): decomposed transposed, as `lora_embedding_A/B`.
        case inputEmbedding
        /// The output head (`lm_head`, an `nn.Linear`).
        case outputEmbedding
        /// Any other weight (norms): cannot be decomposed, saved at full rank or skipped.
        case undecomposable
    }

    /// The module path, e.g. `model.layers.0.self_attn.q_proj`.
    public var name: String
    public var kind: Kind
    /// The tensor holding the weight in the fine-tuned model; differs from `name + ".weight"`
    /// only for a tied `lm_head` (then it is the input embedding's tensor).
    public var weightTensor: String
    public var biasTensor: String?

    public init(name: String, kind: Kind, weightTensor: String, biasTensor: String?) {
        self.name = name
        self.kind = kind
        self.weightTensor = weightTensor
        self.biasTensor = biasTensor
    }

    /// The last path component, which PEFT's `target_modules` / `modules_to_save` match on.
    public var key: String {
        name.split(separator: ".").last.map(String.init) ?? name
    }

    public var isEmbedding: Bool { kind == .inputEmbedding || kind == .outputEmbedding }
}
