/// One adapted layer of a LoRA adapter: its low-rank factors and scale, validated against each
/// other and against adapter_config.json.
public struct LoRAModule: Sendable {
    /// The module's name in the base model, e.g. `model.layers.0.self_attn.q_proj`.
    public let name: String
    /// How the factors combine into an update of the base weight's shape.
    public let layout: Layout
    /// lora_A [r, in] (lora_embedding_A [r, vocab] for an embedding).
    public let a: any TensorSource
    /// lora_B [out, r] (lora_embedding_B [hidden, r] for an embedding).
    public let b: any TensorSource
    public let rank: Int
    public let alpha: Double
    /// s: alpha/r, or alpha/√r with rsLoRA. The adapted weight is W + s·ΔW.
    public let scale: Double

    public enum Layout: Sendable, Equatable {
        /// ΔW = B·A, [out, in]: a Linear layer.
        case product
        /// ΔW = (B·A)ᵀ, [in, out]: GPT-2's Conv1D (fan_in_fan_out), and every embedding
        /// (PEFT stores lora_embedding_A as [r, vocab] and lora_embedding_B as [hidden, r]).
        case transposedProduct

        var formula: String {
            switch self {
            case .product: return "B·A"
            case .transposedProduct: return "(B·A)ᵀ"
            }
        }
    }

    /// The base tensor the module adapts.
    public var baseTensorName: String { name + ".weight" }

    /// The shape of ΔW, which must be the base weight's.
    public var deltaShape: [Int] {
        let rows = b.shape.first ?? 0
        let columns = a.shape.last ?? 0
        switch layout {
        case .product: return [rows, columns]
        case .transposedProduct: return [columns, rows]
        }
    }
}
