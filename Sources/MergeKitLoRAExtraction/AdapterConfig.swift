import MergeKitSafetensors

/// `adapter_config.json`: the PEFT LoRA config mergekit-extract-lora writes. `r` and
/// `lora_alpha` are the largest rank extracted; modules of another rank get it in `rank_pattern`
/// and `alpha_pattern` (alpha = rank, so PEFT's scale alpha / r is 1 everywhere: B·A is the delta
/// itself). `target_modules` are the decomposed modules' last name components, sorted. When the
/// decomposed modules have biases, `bias: lora_only` makes PEFT load the fine-tuned biases saved
/// as `<module>.base_layer.bias` (mergekit's `lora_B.bias` deltas are ignored by PEFT).
enum AdapterConfig {
    static let fileName = "adapter_config.json"

    static func json(
        baseModel: String, ranks: [(module: String, rank: Int)], modulesToSave: [String], savesBiases: Bool
    ) -> JSONValue {
        let maximum = ranks.map(\.rank).max() ?? 0
        let targets = Set(ranks.map { $0.module.split(separator: ".").last.map(String.init) ?? $0.module })
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let differing = JSONValue.object(JSONObject(
            ranks.filter { $0.rank != maximum }.map { (key: $0.module, value: JSONValue.integer($0.rank)) }))
        var members: [(key: String, value: JSONValue)] = [
            ("base_model_name_or_path", .string(baseModel)),
            ("peft_type", "LORA"),
            ("use_rslora", false),
            ("target_modules", .array(targets.map(JSONValue.string))),
            ("modules_to_save", .array(modulesToSave.map(JSONValue.string))),
            ("task_type", "CAUSAL_LM"),
            ("r", .integer(maximum)),
            ("lora_alpha", .integer(maximum)),
            ("rank_pattern", differing),
            ("alpha_pattern", differing),
            ("lora_dropout", .number("0.0")),
            ("fan_in_fan_out", false),
            ("inference_mode", true),
        ]
        if savesBiases { members.append(("bias", "lora_only")) }
        return .object(JSONObject(members))
    }
}
