import MergeKitSafetensors

/// Where a tensor sits in a transformer, read from its name: a numbered block
/// (`model.layers.3.mlp.up_proj.weight`, `transformer.h.3.attn.c_attn.weight`, `blocks.3.…`) or one
/// of the weights before the blocks (embeddings) or after them (final norm, lm_head).
public enum TensorPlacement: Sendable, Hashable {
    case beforeLayers
    case layer(Int)
    case afterLayers
}

/// Names are read as bytes, as Python and the safetensors format read them: components are split
/// at the byte `.`, so a combining mark after a dot (one `Character` in Swift) does not hide it.
public enum TensorNaming {
    /// The name components that introduce a layer index in the architectures we know.
    static let layerContainers = ["layers", "h", "blocks", "layer"]

    /// Name fragments of weights that come before the blocks (embeddings).
    static let embeddingMarkers = ["embed", "wte", "wpe", "word_embeddings", "tok_embeddings"]

    /// The layer index in `name` and the name split around it, or nil for non-layer tensors.
    public static func layerIndex(in name: String) -> (prefix: String, index: Int, suffix: String)? {
        let bytes = name.utf8
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        for i in 0..<(parts.count - 1) where layerContainers.contains(where: { $0.utf8.elementsEqual(parts[i]) }) {
            let number = parts[i + 1]
            guard !number.isEmpty, number.count < 10,
                  number.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { continue }
            let index = number.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            // The split points are ASCII dots, so these ranges lie on character boundaries.
            let prefix = String(name[bytes.startIndex..<parts[i].endIndex])
            let suffix = i + 2 < parts.count ? String(name[parts[i + 2].startIndex..<bytes.endIndex]) : ""
            return (prefix, index, suffix)
        }
        return nil
    }

    public static func placement(of name: String) -> TensorPlacement {
        if let found = layerIndex(in: name) { return .layer(found.index) }
        let lower = name.lowercased()
        return embeddingMarkers.contains(where: { lower.containsBytes(of: $0) }) ? .beforeLayers : .afterLayers
    }

    /// `name` with its layer index replaced (slices renumber layers in the output).
    public static func renumbered(_ name: String, to index: Int) -> String {
        guard let found = layerIndex(in: name) else { return name }
        return found.suffix.isEmpty ? "\(found.prefix).\(index)" : "\(found.prefix).\(index).\(found.suffix)"
    }

    /// Whether a tensor holds one row per vocabulary entry (its first dimension is the vocabulary),
    /// by name: asked only of a model whose config.json gives no vocabulary size. `embed_in` and
    /// `embed_out` are GPT-NeoX's input embedding and output head.
    public static func isVocabularySized(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["embed_tokens", "embed_in", "lm_head", "embed_out", "wte", "word_embeddings", "tok_embeddings"].contains { lower.containsBytes(of: $0) }
            || lower.hasSuffix("output.weight")
    }
}
