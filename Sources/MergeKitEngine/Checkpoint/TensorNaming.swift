/// Where a tensor sits in a transformer, read from its name: a numbered block
/// (`model.layers.3.mlp.up_proj.weight`, `transformer.h.3.attn.c_attn.weight`, `blocks.3.…`) or one
/// of the weights before the blocks (embeddings) or after them (final norm, lm_head).
public enum TensorPlacement: Sendable, Hashable {
    case beforeLayers
    case layer(Int)
    case afterLayers
}

public enum TensorNaming {
    /// The name components that introduce a layer index in the architectures we know.
    static let layerContainers: Set<String> = ["layers", "h", "blocks", "layer"]

    /// Name fragments of weights that come before the blocks (embeddings).
    static let embeddingMarkers = ["embed", "wte", "wpe", "word_embeddings", "tok_embeddings"]

    /// The layer index in `name` and the name split around it, or nil for non-layer tensors.
    public static func layerIndex(in name: String) -> (prefix: String, index: Int, suffix: String)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        for i in 0..<(parts.count - 1) where layerContainers.contains(String(parts[i])) {
            let number = parts[i + 1]
            guard !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber),
                  number.count < 10, let index = Int(number) else { continue }
            let prefix = parts[0...i].joined(separator: ".")
            let suffix = parts[(i + 2)...].joined(separator: ".")
            return (prefix, index, suffix)
        }
        return nil
    }

    public static func placement(of name: String) -> TensorPlacement {
        if let found = layerIndex(in: name) { return .layer(found.index) }
        let lower = name.lowercased()
        return embeddingMarkers.contains(where: { lower.contains($0) }) ? .beforeLayers : .afterLayers
    }

    /// `name` with its layer index replaced (slices renumber layers in the output).
    public static func renumbered(_ name: String, to index: Int) -> String {
        guard let found = layerIndex(in: name) else { return name }
        return found.suffix.isEmpty ? "\(found.prefix).\(index)" : "\(found.prefix).\(index).\(found.suffix)"
    }

    /// Whether a tensor holds one row per vocabulary entry (its first dimension is the vocabulary).
    public static func isVocabularySized(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("embed_tokens") || lower.contains("lm_head") || lower.contains("wte")
            || lower.contains("word_embeddings") || lower.contains("tok_embeddings")
            || lower.hasSuffix("output.weight")
    }
}
