import MergeKitSafetensors

/// Whether a tensor outside the text stack comes before it (the first slice's model provides it
/// in a frankenmerge) or after it (the last slice's), from its name and the stack's prefix P
/// alone, as mergekit's tables would place it (`placement_rule.py` checks this rule against
/// all 62 of mergekit 0.1.5's architecture files):
///
/// - under P's parent (`model.` for `model.layers`), a tensor is before the stack when its next
///   component is an embedding (`embed_tokens`, `wte`, `embeddings`, …), otherwise after it
///   (final norms);
/// - elsewhere, it is after the stack only when, once the leading components it shares with P's
///   parent are dropped, it starts with an output head (`lm_head`, `embed_out`, `cls`, …);
///   everything else (other stacks and their embeddings and norms, projectors, shared
///   embeddings) is before it.
enum StackPlacementRule {
    static let embeddingMarkers = ["embed", "embd", "wte", "wpe", "word_embeddings", "tok_embeddings"]
    static let headRoots: Set<ByteString> = [
        "lm_head", "embed_out", "output", "output_layer", "score", "classifier", "cls", "qa_outputs", "pooler",
        "vocab_projector", "vocab_transform", "vocab_layer_norm", "pre_classifier",
    ]

    /// `.beforeLayers` or `.afterLayers` for a tensor that is in no stack.
    static func placement(of name: String, textPrefix: String) -> TensorPlacement {
        let parts = components(of: name)
        let parent = Array(components(of: textPrefix).dropLast())
        // Components are compared as bytes, like the names they come from.
        if parts.count > parent.count, parts.starts(with: parent, by: { $0.hasSameBytes(as: $1) }) {
            let next = parts[parent.count].lowercased()
            let isEmbedding = next == "embeddings" || embeddingMarkers.contains { next.containsBytes(of: $0) }
            return isEmbedding ? .beforeLayers : .afterLayers
        }
        return headRoots.contains(ByteString(relative(parts, to: parent).first ?? "")) ? .afterLayers : .beforeLayers
    }

    /// `name`'s components without the leading ones it shares with the text stack's parent
    /// (`language_model.lm_head.weight` → `lm_head.weight` for `language_model.model.layers`).
    static func relativeName(_ name: String, textPrefix: String) -> String {
        relative(components(of: name), to: Array(components(of: textPrefix).dropLast())).joined(separator: ".")
    }

    private static func relative(_ parts: [String], to parent: [String]) -> [String] {
        var shared = 0
        while shared < min(parts.count - 1, parent.count), parts[shared].hasSameBytes(as: parent[shared]) { shared += 1 }
        return Array(parts[shared...])
    }

    /// The dot-separated components, split at the byte `.` (a combining mark after a dot does
    /// not hide it).
    static func components(of name: String) -> [String] {
        name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
}
