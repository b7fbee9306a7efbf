public import MergeKitSafetensors

/// The tensors of a model that hold one row per token: the input embedding and the output head,
/// whatever the architecture calls them. They are found by shape and config.json, not by name:
/// a tensor outside the layers whose shape is `[vocabulary size, hidden size]` with both sizes
/// from the model's config. Only a config that gives no vocabulary size falls back to the usual
/// names (`TensorNaming.isVocabularySized`).
public enum TokenIndexedTensors {
    /// config.json keys of the vocabulary size, in the order tried (a dot reads a nested object:
    /// multimodal configs keep it in `text_config`).
    static let vocabularySizeKeys = ["vocab_size", "text_config.vocab_size", "padded_vocab_size", "n_vocab"]
    /// config.json keys of the hidden size (the embedding width), in the order tried.
    static let hiddenSizeKeys = ["hidden_size", "n_embd", "d_model", "text_config.hidden_size"]

    /// The first of `keys` that `config` holds as an integer, with its value.
    static func firstInteger(_ keys: [String], in config: JSONValue) -> (key: String, value: Int)? {
        for key in keys {
            if let value = value(at: key, in: config)?.intValue { return (key, value) }
        }
        return nil
    }

    /// The value at a dotted key path.
    static func value(at path: String, in config: JSONValue) -> JSONValue? {
        var current: JSONValue? = config
        for component in path.split(separator: ".") {
            current = current?[String(component)]
        }
        return current
    }

    /// The config key that holds the vocabulary size (where the output's is written).
    public static func vocabularySizeKey(in config: JSONValue) -> String? {
        firstInteger(vocabularySizeKeys, in: config)?.key
    }

    /// Whether tensor `name` of `shape` holds one row per token of `model`'s vocabulary.
    public static func isTokenIndexed(_ name: String, shape: [Int], in model: ModelDirectory) -> Bool {
        guard TensorNaming.layerIndex(in: name) == nil, shape.count == 2 else { return false }
        guard let vocabulary = model.vocabularySize else { return TensorNaming.isVocabularySized(name) }
        return shape[0] == vocabulary && (model.hiddenSize.map { shape[1] == $0 } ?? true)
    }

    /// The model's input embedding: its first token-indexed tensor, one named like an embedding
    /// first. A tied output head reads it (mergekit's `tied_names`).
    public static func inputEmbedding(of model: ModelDirectory) -> String? {
        let tokenIndexed = model.tensorNames.filter { name in
            model.tensor(named: name).map { isTokenIndexed(name, shape: $0.shape, in: model) } ?? false
        }
        return tokenIndexed.first { TensorNaming.placement(of: $0) == .beforeLayers } ?? tokenIndexed.first
    }
}
