import MergeKitSafetensors
import MergeKitTensor

/// config.json of the output: the base's (else the first model's) with the planner's edits
/// (`ConfigEdit`: the text stack's count and per-layer keys, `tie_word_embeddings`, each at its
/// own level), the vocabulary size after cropping and the dtype holding most bytes updated.
enum OutputConfig {
    static func make(from config: JSONValue, edits: [ConfigEdit], jobs: [TensorJob], croppedVocabularyRows: Int?) -> JSONValue {
        var bytesByDType: [DType: Int] = [:]
        for job in jobs { bytesByDType[job.outputDType, default: 0] += job.outputBytes }
        var updated = config
        for edit in edits {
            updated = edit.key.setting(edit.new, in: updated)
        }
        if let rows = croppedVocabularyRows, config["vocab_size"] != nil {
            updated = updated.setting("vocab_size", to: .number(String(rows)))
        }
        if let dominant = bytesByDType.max(by: { $0.value < $1.value })?.key {
            updated = updated.setting("torch_dtype", to: .string(dominant.torchName))
        }
        return updated
    }
}
