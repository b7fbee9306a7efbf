import MergeKitSafetensors
import MergeKitTensor

/// config.json of the output: the base's (else the first model's) with the layer count, the
/// vocabulary size and the dtype holding most bytes updated.
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

    static func make(from config: JSONValue, layers: Int, jobs: [TensorJob], vocabularyRows: VocabularyRows?) -> JSONValue {
        var bytesByDType: [DType: Int] = [:]
        for job in jobs { bytesByDType[job.outputDType, default: 0] += job.outputBytes }
        var updated = config
        let layerKey = ModelDirectory.layerCountKeys.first { config[$0] != nil } ?? "num_hidden_layers"
        updated = updated.setting(layerKey, to: .number(String(layers)))
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
        var components = path.split(separator: ".").map(String.init)
        let last = components.removeLast()
        func set(_ node: JSONValue, _ remaining: ArraySlice<String>) -> JSONValue {
            guard let key = remaining.first else { return node.setting(last, to: .number(String(value))) }
            guard let child = node[key] else { return node }
            return node.setting(key, to: set(child, remaining.dropFirst()))
        }
        return set(config, components[...])
    }
}
