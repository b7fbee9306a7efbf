/// The MoE model types mergekit-moe 0.1.5 writes, in its order of preference, with the rules it
/// uses to decide which one a configuration can become.
public enum MoEArchitecture: String, Sendable, CaseIterable {
    case mixtral = "Mixtral"
    case deepseek = "DeepSeek MoE"
    case qwenMoE = "Qwen MoE"
    case qwen3MoE = "Qwen3 MoE"

    /// Why this architecture cannot hold the configuration, or nil if it can. `baseAndExperts`
    /// are the model_type of the base and the experts, `shared` of the shared experts.
    func rejection(gateMode: GateMode, sharedExperts: [MoEConfig.Expert], baseAndExperts: [String], shared: [String]) -> String? {
        let all = baseAndExperts + shared
        switch self {
        case .mixtral:
            if !sharedExperts.isEmpty { return "Mixtral has no shared experts" }
            if Set(baseAndExperts).count != 1 { return "Mixtral needs every model to be of one model_type (found \(Self.list(baseAndExperts)))" }
            if !["llama", "mistral"].contains(baseAndExperts[0]) { return "Mixtral needs llama or mistral models (found \(baseAndExperts[0]))" }
        case .deepseek:
            if sharedExperts.count > 1 { return "DeepSeek MoE has at most one shared expert" }
            if let first = sharedExperts.first, !first.positivePrompts.isEmpty || !first.negativePrompts.isEmpty {
                return "DeepSeek MoE does not gate its shared expert (it has prompts)"
            }
            if Set(all).count != 1 { return "DeepSeek MoE needs every model to be of one model_type (found \(Self.list(all)))" }
            if !["llama", "mistral"].contains(all[0]) { return "DeepSeek MoE needs llama or mistral models (found \(all[0]))" }
        case .qwenMoE:
            if sharedExperts.count != 1 { return "Qwen MoE needs exactly one shared expert (found \(sharedExperts.count))" }
            if gateMode != .random, sharedExperts[0].positivePrompts.isEmpty {
                return "Qwen MoE gates its shared expert, which needs positive_prompts unless gate_mode is random"
            }
            if Set(all).count != 1 { return "Qwen MoE needs every model to be of one model_type (found \(Self.list(all)))" }
            if !["llama", "mistral", "qwen2"].contains(all[0]) { return "Qwen MoE needs qwen2, llama or mistral models (found \(all[0]))" }
        case .qwen3MoE:
            if !sharedExperts.isEmpty { return "Qwen3 MoE has no shared experts" }
            if let other = all.first(where: { $0 != "qwen3" }) { return "Qwen3 MoE needs qwen3 models (found \(other))" }
        }
        return nil
    }

    private static func list(_ types: [String]) -> String {
        var seen: [String] = []
        for type in types where !seen.contains(type) { seen.append(type) }
        return seen.joined(separator: ", ")
    }
}
