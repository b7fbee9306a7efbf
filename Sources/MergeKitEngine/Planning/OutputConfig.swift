import MergeKitSafetensors
import MergeKitTensor

/// config.json of the output: the base's (else the first model's) with the planner's edits
/// (`ConfigEdit`: the text stack's count and per-layer keys, `tie_word_embeddings`, each at its
/// own level), the vocabulary size and the dtype holding most bytes updated.
enum OutputConfig {
    /// What changed the number of embedding rows.
    enum VocabularyRows {
        /// `--unsafe-truncate-embeddings` cropped them: the vocabulary key is updated when the
        /// config has one.
        case cropped(Int)
        /// Tokenizer settings aligned them to the output vocabulary: the vocabulary key (or
        /// `vocab_size` when the config has none, as mergekit) is set.
        case aligned(Int)
    }

    static func make(from config: JSONValue, edits: [ConfigEdit], jobs: [TensorJob], vocabularyRows: VocabularyRows?) -> JSONValue {
        var bytesByDType: [DType: Int] = [:]
        for job in jobs { bytesByDType[job.outputDType, default: 0] += job.outputBytes }
        var updated = config
        for edit in edits {
            updated = edit.key.setting(edit.new, in: updated)
        }
        let vocabularyKey = TokenIndexedTensors.vocabularySizeKey(in: config)
        switch vocabularyRows {
        case .cropped(let rows)?:
            if let vocabularyKey { updated = setting(vocabularyKey, to: rows, in: updated) }
        case .aligned(let rows)?:
            updated = setting(vocabularyKey ?? "vocab_size", to: rows, in: updated)
        case nil:
            break
        }
        if let dominant = bytesByDType.max(by: { $0.value < $1.value })?.key {
            updated = updated.setting("torch_dtype", to: .string(dominant.torchName))
        }
        return updated
    }

    /// `config` with the integer at the dotted key `path` set (nested objects kept in order).
    private static func setting(_ path: String, to value: Int, in config: JSONValue) -> JSONValue {
        ConfigKeyPath(path.split(separator: ".").map(String.init)).setting(.integer(value), in: config)
    }
}
