import MergeKitSafetensors
import MergeKitTensor

/// config.json of the output: the base's (else the first model's) with the layer count, the
/// vocabulary size after cropping and the dtype holding most bytes updated.
enum OutputConfig {
    static func make(from config: JSONValue, layers: Int, jobs: [TensorJob], croppedVocabularyRows: Int?) -> JSONValue {
        var bytesByDType: [DType: Int] = [:]
        for job in jobs { bytesByDType[job.outputDType, default: 0] += job.outputBytes }
        var updated = config
        let layerKey = ModelDirectory.layerCountKeys.first { config[$0] != nil } ?? "num_hidden_layers"
        updated = updated.setting(layerKey, to: .number(String(layers)))
        if let rows = croppedVocabularyRows, config["vocab_size"] != nil {
            updated = updated.setting("vocab_size", to: .number(String(rows)))
        }
        if let dominant = bytesByDType.max(by: { $0.value < $1.value })?.key {
            updated = updated.setting("torch_dtype", to: .string(dominant.torchName))
        }
        return updated
    }
}
