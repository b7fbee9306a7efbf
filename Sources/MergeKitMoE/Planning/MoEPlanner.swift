import Foundation
import MergeKitBPE
import MergeKitEngine
public import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTensor
import MergeKitYAML

/// Turns a mergekit-moe configuration file into a checked `MoEPlan`. Every problem found is
/// reported, at its place in the file, before any weight is read.
public enum MoEPlanner {
    public static func plan(configAt path: String, options: MoEPlanOptions) throws(RecipeError) -> MoEPlan {
        try plan(try load(configAt: path), options: options)
    }

    /// Reads and decodes the configuration file at `path` (its models are not opened yet).
    public static func load(configAt path: String) throws(RecipeError) -> MoEConfig {
        try MoEConfigDecoder.decode(utf8: try RecipeFile.read(path, kind: "configuration file"), file: path)
    }

    /// Plans `config`, whose models named by Hub id come from `hubModels`, brought in by the
    /// caller beforehand (as `Planner.plan` takes them).
    public static func plan(_ config: MoEConfig, options: MoEPlanOptions, hubModels: HubModels = .init()) throws(RecipeError) -> MoEPlan {
        let path = config.file
        var diagnostics = config.warnings
        if options.strict {
            diagnostics = diagnostics.map { Diagnostic(.error, at: $0.location, $0.message + " (--strict)") }
        }
        checkSettings(config, options: options, into: &diagnostics)

        // Paths resolve as in `apply`: against the configuration's folder, then the current one.
        let catalog = ModelCatalog(recipeFile: path, hubModels: hubModels)
        let base = catalog.open(config.baseModel) { diagnostics.append($0) }
        var expertModels: [Int?] = []
        for expert in config.experts + config.sharedExperts {
            expertModels.append(catalog.open(expert.sourceModel) { diagnostics.append($0) })
        }
        guard let base, base == 0, diagnostics.allSatisfy({ $0.severity != .error }) else { throw failure(diagnostics) }
        let models = catalog.models
        let resolvedExperts = zip(expertModels.compactMap { $0 }, config.experts + config.sharedExperts).map { ($0, $1) }

        // Output architecture, as mergekit-moe picks it.
        func modelType(_ index: Int) -> String { models[index].config["model_type"]?.stringValue ?? "(none)" }
        let architecture = selectArchitecture(
            config, baseAndExperts: [modelType(0)] + resolvedExperts.prefix(config.experts.count).map { modelType($0.0) },
            shared: resolvedExperts.dropFirst(config.experts.count).map { modelType($0.0) }, into: &diagnostics)
        guard let architecture else { throw failure(diagnostics) }

        let baseConfig = models[0].config
        var dimensions: [String: Int] = [:]
        for key in ["hidden_size", "intermediate_size"] {
            if let value = baseConfig[key]?.intValue, value > 0 {
                dimensions[key] = value
            } else {
                diagnostics.append(.error("the base model's config.json has no positive integer '\(key)'", at: config.baseModel.location))
            }
        }
        var layers = 0
        do {
            layers = try models[0].layerCount()
        } catch {
            diagnostics.append(.error("base model: \(error.description)", at: config.baseModel.location))
        }
        guard let hidden = dimensions["hidden_size"], let intermediate = dimensions["intermediate_size"], layers > 0 else {
            throw failure(diagnostics)
        }

        let outputDType = config.dtype?.value ?? (baseConfig["dtype"] ?? baseConfig["torch_dtype"])?.stringValue.flatMap { DType(recipeName: $0) }
        let gatedShared = !config.sharedExperts.isEmpty && (config.gateMode.value == .random || config.gateMode.value == .uniformRandom
            || config.sharedExperts.contains { !$0.positivePrompts.isEmpty })
        let gatedExperts = config.experts.count + (gatedShared ? config.sharedExperts.count : 0)

        var list = MoETensorList(
            architecture: architecture, models: models, experts: resolvedExperts, expertCount: config.experts.count,
            baseLocation: config.baseModel.location, layers: layers, hidden: hidden, intermediate: intermediate,
            outputDType: outputDType, gateRows: gatedExperts)
        list.build()
        diagnostics += list.diagnostics

        let prompts = gatePrompts(
            config, gated: Array((config.experts + config.sharedExperts).prefix(gatedExperts)), base: models[0], hidden: hidden,
            into: &diagnostics)

        guard diagnostics.allSatisfy({ $0.severity != .error }) else { throw failure(diagnostics) }
        let layout: ShardLayout
        do {
            layout = try ShardLayout.plan(list.tensors.map(\.spec), maxShardBytes: options.outShardSize)
        } catch {
            throw failure(diagnostics + [.error("cannot lay out the output: \(error)", at: config.baseModel.location)])
        }
        return MoEPlan(
            config: config, architecture: architecture, models: models, expertModels: resolvedExperts.map(\.0),
            outputDType: outputDType, tensors: list.tensors, layout: layout,
            outputConfig: MoEOutputConfig.make(
                base: baseConfig, architecture: architecture, experts: config.experts.count,
                expertsPerToken: config.expertsPerToken.value, intermediate: intermediate, dtype: outputDType),
            layerCount: layers, hiddenSize: hidden, gatedExperts: gatedExperts, prompts: prompts, seed: options.seed,
            warnings: diagnostics)
    }

    private static func failure(_ diagnostics: [Diagnostic]) -> RecipeError {
        RecipeError(diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }.map(\.element))
    }

    /// mergekit-moe's `is_bad_config`, plus value ranges it leaves to crash later.
    private static func checkSettings(_ config: MoEConfig, options: MoEPlanOptions, into diagnostics: inout [Diagnostic]) {
        let perToken = config.expertsPerToken
        if perToken.value < 1 {
            diagnostics.append(.error("experts_per_token must be at least 1; found \(perToken.value)", at: perToken.location))
        } else if config.experts.count < perToken.value {
            diagnostics.append(.error("experts_per_token is \(perToken.value) but there \(config.experts.count == 1 ? "is" : "are") only \(config.experts.count) expert\(config.experts.count == 1 ? "" : "s")", at: perToken.location))
        }
        if config.experts.isEmpty {
            diagnostics.append(.error("'experts' is empty: a MoE needs at least one expert", at: config.expertsLocation))
        }
        for expert in config.experts + config.sharedExperts {
            if let noise = expert.noiseScale, !(noise.value >= 0) {
                diagnostics.append(.error("noise_scale must be a number ≥ 0; found \(noise.value)", at: noise.location))
            }
        }
        let shared = config.sharedExperts
        if !shared.isEmpty, Set(shared.map { $0.positivePrompts.isEmpty }).count > 1, let location = config.sharedExpertsLocation {
            diagnostics.append(.error("give positive_prompts to every shared expert or to none", at: location))
        }
        guard config.gateMode.value.usesPrompts else { return }
        for (index, expert) in config.experts.enumerated() where expert.positivePrompts.isEmpty {
            diagnostics.append(.error("expert \(index) has no positive_prompts; gate_mode \(config.gateMode.value.rawValue) computes its gate from them (gate_mode: random needs none)", at: expert.location))
        }
        func prompts(_ expert: MoEConfig.Expert) -> [[String]] { [expert.positivePrompts, expert.negativePrompts] }
        if config.experts.count > 1, config.experts.dropFirst().allSatisfy({ prompts($0) == prompts(config.experts[0]) }) {
            diagnostics.append(.error("every expert has the same positive and negative prompts: the gates could not tell them apart; give each expert prompts for what it should handle", at: config.expertsLocation))
        }
        if !options.allowIdenticalExperts, config.experts.count > 1,
           config.experts.dropFirst().allSatisfy({ $0.sourceModel.value == config.experts[0].sourceModel.value }) {
            diagnostics.append(.error("every expert is the same model: the MoE would cost more and compute the same; pass --i-understand-this-is-not-useful-without-training to build it anyway", at: config.expertsLocation))
        }
    }

    private static func selectArchitecture(
        _ config: MoEConfig, baseAndExperts: [String], shared: [String], into diagnostics: inout [Diagnostic]
    ) -> MoEArchitecture? {
        var candidates = MoEArchitecture.allCases
        if let requested = config.architecture {
            candidates = candidates.filter { $0.rawValue.lowercased().hasPrefix(requested.value.lowercased()) }
            if candidates.isEmpty {
                diagnostics.append(.error("no output architecture is called '\(requested.value)' (known: \(MoEArchitecture.allCases.map(\.rawValue).joined(separator: ", ")))", at: requested.location))
                return nil
            }
        }
        var reasons: [String] = []
        var supported: [MoEArchitecture] = []
        for candidate in candidates {
            if let reason = candidate.rejection(gateMode: config.gateMode.value, sharedExperts: config.sharedExperts, baseAndExperts: baseAndExperts, shared: shared) {
                reasons.append(reason)
            } else {
                supported.append(candidate)
            }
        }
        guard let chosen = supported.contains(.mixtral) ? .mixtral : supported.first else {
            diagnostics.append(.error("no output architecture can hold this configuration: \(reasons.joined(separator: "; "))", at: config.baseModel.location))
            return nil
        }
        if chosen == .deepseek {
            let alternative = supported.contains(.qwenMoE) ? " (add `architecture: qwen` to build a Qwen MoE instead)" : ""
            diagnostics.append(.error("this configuration makes a DeepSeek MoE, whose model code is not part of transformers (it runs remote code); mergekit-swift does not write it\(alternative)", at: config.sharedExpertsLocation ?? config.baseModel.location))
            return nil
        }
        return chosen
    }

    /// The prompts of every gated expert, encoded with the base's tokenizer as mergekit does
    /// (`bos_token + prompt`, no special tokens added), checked against the embedding size, and
    /// whether the gate mode can run on this model.
    private static func gatePrompts(
        _ config: MoEConfig, gated: [MoEConfig.Expert], base: ModelDirectory, hidden: Int, into diagnostics: inout [Diagnostic]
    ) -> [MoEPlan.GatePrompts] {
        let mode = config.gateMode
        guard mode.value.usesPrompts else { return [] }
        if mode.value.usesHiddenStates, let reason = DecoderForward.unsupportedReason(base) {
            diagnostics.append(.error("gate_mode \(mode.value.rawValue) runs the base model, and \(reason); use gate_mode: cheap_embed or random", at: mode.location))
            return []
        }
        guard let embedding = base.tensor(named: DecoderForward.embeddingName) else {
            diagnostics.append(.error("gate_mode \(mode.value.rawValue) needs the base's '\(DecoderForward.embeddingName)', which \(base.path) does not have", at: mode.location))
            return []
        }
        if !embedding.dtype.isMergeable || embedding.shape.count != 2 || embedding.shape[1] != hidden {
            diagnostics.append(.error("the base's '\(DecoderForward.embeddingName)' is \(embedding.dtype.rawValue) \(embedding.shape); gates need a float [vocabulary, \(hidden)] matrix", at: mode.location))
            return []
        }
        let encoder: PromptEncoder
        do {
            encoder = try PromptEncoder(directory: base.path)
        } catch {
            diagnostics.append(.error("gate_mode \(mode.value.rawValue) encodes the prompts with the base's tokenizer, which cannot be used: \(error.description)", at: mode.location))
            return []
        }
        var result: [MoEPlan.GatePrompts] = []
        for expert in gated {
            func encode(_ prompts: [String]) -> [[Int]] {
                prompts.map { prompt in
                    let ids = encoder.encode((encoder.bosToken ?? "") + prompt)
                    if ids.isEmpty, mode.value.usesHiddenStates {
                        diagnostics.append(.error("prompt \(prompt.debugDescription) encodes to no tokens; gate_mode \(mode.value.rawValue) needs at least one", at: expert.location))
                    }
                    if let bad = ids.first(where: { $0 < 0 || $0 >= embedding.shape[0] }) {
                        diagnostics.append(.error("prompt \(prompt.debugDescription) encodes to token \(bad), beyond the base's \(embedding.shape[0]) embedding rows", at: expert.location))
                    }
                    return ids
                }
            }
            result.append(MoEPlan.GatePrompts(positive: encode(expert.positivePrompts), negative: encode(expert.negativePrompts)))
        }
        return result
    }
}
