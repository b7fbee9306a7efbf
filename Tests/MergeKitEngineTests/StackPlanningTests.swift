import Foundation
import MergeKitEngine
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// Frankenmerges and merges of the transformers fixtures through the planner, with copies of a
/// fixture standing for different models: which model each tensor comes from (first slice
/// before the text stack, last slice after it), what the output's config.json says, tied and
/// untied heads, and the refusals that name the stack, its count key, the layers and the key
/// that cannot say what they are.
@Suite struct StackPlanningTests {
    /// `architecture`'s base copied to `name` (its config.json edited by `edit`), so two copies
    /// are two models of the plan.
    static func copy(
        _ architecture: String, _ model: String = "base", as name: String, in directory: TemporaryDirectory,
        edit: (JSONValue) -> JSONValue = { $0 }
    ) throws -> String {
        let target = directory.file(name)
        try FileManager.default.copyItem(atPath: FixturePaths.architectureModel(architecture, model), toPath: target)
        let configPath = target + "/config.json"
        let config = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: configPath))))
        try (edit(config).serialized(pretty: true) + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        return target
    }

    static func frankenmerge(_ first: String, _ firstRange: [Int], _ last: String, _ lastRange: [Int], in directory: TemporaryDirectory) throws -> String {
        try ArchitectureFixtureTests.write("""
            merge_method: passthrough
            slices:
              - sources:
                  - model: \(first)
                    layer_range: \(firstRange)
              - sources:
                  - model: \(last)
                    layer_range: \(lastRange)
            """, in: directory)
    }

    static func linear(_ models: [String], in directory: TemporaryDirectory) throws -> String {
        try ArchitectureFixtureTests.write(
            "merge_method: linear\nmodels:\n" + models.map { "  - model: \($0)\n    parameters: {weight: 0.5}" }.joined(separator: "\n"),
            in: directory)
    }

    /// The model names each input of output tensor `name` is read from, and the tensor read.
    static func sources(of name: String, in plan: MergePlan) -> [String]? {
        plan.jobs.first { $0.outputName == name }.map { job in
            job.inputs.map { "\(URL(fileURLWithPath: plan.modelNames[$0.modelIndex]).lastPathComponent):\($0.tensorName)" }
        }
    }

    static func errors(_ recipe: String) -> [String] {
        do {
            _ = try Planner.plan(recipeAt: recipe)
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map(\.message)
        }
    }

    // MARK: - Placement

    @Test func gptNeoXTakesEmbedOutFromTheLastSlice() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.copy("gpt_neox", as: "a", in: directory)
        let b = try Self.copy("gpt_neox", as: "b", in: directory)
        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(a, [0, 3], b, [1, 4], in: directory))
        #expect(Self.sources(of: "embed_out.weight", in: plan) == ["b:embed_out.weight"])
        #expect(Self.sources(of: "gpt_neox.final_layer_norm.weight", in: plan) == ["b:gpt_neox.final_layer_norm.weight"])
        #expect(Self.sources(of: "gpt_neox.embed_in.weight", in: plan) == ["a:gpt_neox.embed_in.weight"])
        #expect(Self.sources(of: "gpt_neox.layers.3.attention.dense.weight", in: plan) == ["b:gpt_neox.layers.1.attention.dense.weight"])
    }

    /// The vision tower and the projector come whole from the first slice's model; only the
    /// language model's layers are sliced, and its nested count is the one that changes.
    @Test(arguments: [
        ("gemma3_multimodal", "language_model.model", ["vision_tower.encoder.layers.1.mlp.fc1.weight", "vision_tower.head.probe",
                                                      "vision_tower.post_layernorm.weight", "multi_modal_projector.mm_input_projection_weight"]),
        ("llava", "language_model.model", ["vision_tower.encoder.layers.0.self_attn.q_proj.weight", "vision_tower.post_layernorm.weight",
                                           "multi_modal_projector.linear_2.weight"]),
        ("qwen2_vl", "model", ["visual.blocks.1.attn.qkv.weight", "visual.merger.mlp.2.weight", "visual.merger.ln_q.weight"]),
    ])
    func multimodalSlicesTheLanguageModelOnly(_ architecture: String, _ text: String, _ fromFirst: [String]) throws {
        let directory = try TemporaryDirectory()
        let a = try Self.copy(architecture, as: "a", in: directory)
        let b = try Self.copy(architecture, as: "b", in: directory)
        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(a, [0, 3], b, [1, 4], in: directory))
        for name in fromFirst + ["\(text).embed_tokens.weight"] {
            #expect(Self.sources(of: name, in: plan) == ["a:\(name)"], "\(name)")
        }
        #expect(Self.sources(of: "\(text).norm.weight", in: plan) == ["b:\(text).norm.weight"])
        #expect(Self.sources(of: "\(text).layers.5.mlp.down_proj.weight", in: plan) == ["b:\(text).layers.3.mlp.down_proj.weight"])
        #expect(!plan.jobs.contains { $0.outputName.contains("layers.2.") && !$0.outputName.hasPrefix(text) })
        #expect(plan.outputConfig["text_config"]?["num_hidden_layers"]?.intValue == 6)
        #expect(plan.outputConfig["vision_config"]?["num_hidden_layers"]?.intValue ?? plan.outputConfig["vision_config"]?["depth"]?.intValue == 2)
        #expect(plan.outputConfig["num_hidden_layers"] == nil)
    }

    @Test func t5KeepsTheEncoderAndCountsTheDecoder() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.copy("t5", as: "a", in: directory)
        let b = try Self.copy("t5", as: "b", in: directory)
        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(a, [0, 3], b, [1, 4], in: directory))
        #expect(Self.sources(of: "encoder.block.1.layer.1.DenseReluDense.wo.weight", in: plan) == ["a:encoder.block.1.layer.1.DenseReluDense.wo.weight"])
        #expect(Self.sources(of: "shared.weight", in: plan) == ["a:shared.weight"])
        #expect(Self.sources(of: "decoder.final_layer_norm.weight", in: plan) == ["b:decoder.final_layer_norm.weight"])
        #expect(Self.sources(of: "decoder.block.3.layer.2.DenseReluDense.wo.weight", in: plan) == ["b:decoder.block.1.layer.2.DenseReluDense.wo.weight"])
        #expect(plan.outputConfig["num_decoder_layers"]?.intValue == 6)
        #expect(plan.outputConfig["num_layers"]?.intValue == 2)
        #expect(plan.outputConfig["num_hidden_layers"] == nil)
        #expect(plan.outputConfig["tie_word_embeddings"] == .bool(true))
        #expect(!plan.jobs.contains { $0.outputName == "lm_head.weight" })
    }

    // MARK: - Refusals

    @Test func t5BlockZeroMustStayFirst() throws {
        let directory = try TemporaryDirectory()
        let errors = Self.errors(try Self.frankenmerge(
            FixturePaths.architectureModel("t5"), [2, 4], FixturePaths.architectureModel("t5"), [0, 3], in: directory))
        #expect(errors.count == 1)
        let message = try #require(errors.first)
        #expect(message.contains("decoder.block (counted by num_decoder_layers)"))
        #expect(message.contains("output layer 0 ("))
        #expect(message.contains("' layer 2) lacks 'layer.0.SelfAttention.relative_attention_bias.weight'"))
        #expect(message.contains("output layer 2 ("))
        #expect(message.contains("' layer 0) has 'layer.0.SelfAttention.relative_attention_bias.weight'"))
    }

    @Test func deepSeekDenseLayerAfterMoEIsRefused() throws {
        let directory = try TemporaryDirectory()
        let model = FixturePaths.architectureModel("deepseek_v3")
        let errors = Self.errors(try Self.frankenmerge(model, [2, 4], model, [0, 3], in: directory))
        #expect(errors.count == 1)
        let message = try #require(errors.first)
        #expect(message.contains("model.layers (counted by num_hidden_layers)"))
        #expect(message.contains("dense MLPs at output layer 2 ("))
        #expect(message.contains("first_k_dense_replace can only make the first layers dense"))
        // Dense layers first stay expressible.
        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(model, [0, 3], model, [1, 4], in: directory))
        #expect(plan.outputConfig["first_k_dense_replace"]?.intValue == 1)
    }

    @Test func qwen3MoERecomputesItsDenseLayers() throws {
        let directory = try TemporaryDirectory()
        let model = FixturePaths.architectureModel("qwen3_moe")
        let forward = try Planner.plan(recipeAt: try Self.frankenmerge(model, [0, 3], model, [1, 4], in: directory))
        #expect(forward.outputConfig["mlp_only_layers"] == [1, 3])
        let reordered = try Planner.plan(recipeAt: try Self.frankenmerge(model, [2, 4], model, [0, 3], in: directory))
        #expect(reordered.outputConfig["mlp_only_layers"] == [3])
        #expect(reordered.stacks?.configEdits.map(\.key.description) == ["num_hidden_layers", "mlp_only_layers"])
    }

    /// Layer types are cut and concatenated from each slice's own model; a model without the
    /// list cannot say what its layers are.
    @Test func layerTypesComeFromEachSlicesModel() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.copy("gemma2", as: "a", in: directory)
        let b = try Self.copy("gemma2", as: "b", in: directory) { config in
            config.setting("layer_types", to: ["sliding_attention", "full_attention", "full_attention", "sliding_attention"])
        }
        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(a, [0, 3], b, [1, 4], in: directory))
        #expect(plan.outputConfig["layer_types"] == [
            "full_attention", "sliding_attention", "sliding_attention", "full_attention", "full_attention", "sliding_attention",
        ])
        let c = try Self.copy("gemma2", as: "c", in: directory) { config in config.setting("layer_types", to: .null) }
        let errors = Self.errors(try Self.frankenmerge(a, [0, 3], c, [1, 4], in: directory))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("layer_types has one entry per layer, but the config.json of the model of output layer 3 (") == true)
    }

    /// A config without `layer_types` says where the window is with `max_window_layers`, which
    /// can only put it on the last layers.
    @Test func slidingWindowPatternThatCannotFollowIsRefused() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.copy("qwen3", as: "a", in: directory) { $0.setting("layer_types", to: .null) }
        let keeps = try Planner.plan(recipeAt: try Self.frankenmerge(a, [0, 2], a, [1, 4], in: directory))
        #expect(keeps.outputConfig["max_window_layers"]?.intValue == 3)
        let errors = Self.errors(try Self.frankenmerge(a, [0, 3], a, [1, 4], in: directory))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("a sliding attention window at output layer 2 (") == true)
        #expect(errors.first?.contains("max_window_layers can only put the window on the last layers") == true)
    }

    // MARK: - Tied and untied heads

    /// `llama_tied_untied`: the base ties its head to the embeddings, `ft_b` stores its own.
    @Test func mergeOfTiedAndUntiedKeepsTheHead() throws {
        let directory = try TemporaryDirectory()
        let tied = FixturePaths.architectureModel("llama_tied_untied")
        let untied = FixturePaths.architectureModel("llama_tied_untied", "ft_b")
        for models in [[tied, untied], [untied, tied]] {
            let plan = try Planner.plan(recipeAt: try Self.linear(models, in: directory))
            let expected = models.map { $0 == tied ? "base:model.embed_tokens.weight" : "ft_b:lm_head.weight" }
            #expect(Self.sources(of: "lm_head.weight", in: plan) == expected)
            #expect(plan.outputConfig["tie_word_embeddings"] == .bool(false))
            let job = try #require(plan.jobs.first { $0.outputName == "lm_head.weight" })
            #expect(job.merge.inputs.map { $0.parameters["weight"] } == [.number(0.5), .number(0.5)])
        }
    }

    @Test func tiesWithATiedBaseReadsItsEmbedding() throws {
        let directory = try TemporaryDirectory()
        let tied = FixturePaths.architectureModel("llama_tied_untied")
        let untied = FixturePaths.architectureModel("llama_tied_untied", "ft_b")
        let recipe = try ArchitectureFixtureTests.write("""
            merge_method: ties
            base_model: \(tied)
            models:
              - model: \(untied)
                parameters: {weight: 1.0, density: 0.5}
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        #expect(Self.sources(of: "lm_head.weight", in: plan) == ["ft_b:lm_head.weight", "base:model.embed_tokens.weight"])
        #expect(plan.outputConfig["tie_word_embeddings"] == .bool(false))
    }

    @Test func frankenmergeHeadComesFromTheLastSlice() throws {
        let directory = try TemporaryDirectory()
        let tied = FixturePaths.architectureModel("llama_tied_untied")
        let untied = FixturePaths.architectureModel("llama_tied_untied", "ft_b")
        let tiedFirst = try Planner.plan(recipeAt: try Self.frankenmerge(tied, [0, 3], untied, [1, 4], in: directory))
        #expect(Self.sources(of: "lm_head.weight", in: tiedFirst) == ["ft_b:lm_head.weight"])
        #expect(Self.sources(of: "model.embed_tokens.weight", in: tiedFirst) == ["base:model.embed_tokens.weight"])
        #expect(tiedFirst.outputConfig["tie_word_embeddings"] == .bool(false))
        #expect(tiedFirst.stacks?.configEdits.contains { $0.key.description == "tie_word_embeddings" && $0.new == .bool(false) } == true)

        // The last slice's model is tied: its embedding is the head.
        let untiedFirst = try Planner.plan(recipeAt: try Self.frankenmerge(untied, [0, 3], tied, [1, 4], in: directory))
        #expect(Self.sources(of: "lm_head.weight", in: untiedFirst) == ["base:model.embed_tokens.weight"])
        #expect(Self.sources(of: "model.embed_tokens.weight", in: untiedFirst) == ["ft_b:model.embed_tokens.weight"])
        #expect(untiedFirst.outputConfig["tie_word_embeddings"] == .bool(false))

        // Both tied: the output stays tied and stores no head.
        let copy = try Self.copy("llama_tied_untied", as: "other", in: directory)
        let bothTied = try Planner.plan(recipeAt: try Self.frankenmerge(tied, [0, 3], copy, [1, 4], in: directory))
        #expect(!bothTied.jobs.contains { $0.outputName == "lm_head.weight" })
        #expect(bothTied.outputConfig["tie_word_embeddings"] == .bool(true))
    }

    /// Every level of config.json that has `tie_word_embeddings` says the same: a tied
    /// multimodal model (tied at the top and in `text_config`) stacked under one that stores its
    /// own head.
    @Test func tieIsSetAtEveryLevel() throws {
        let directory = try TemporaryDirectory()
        let tied = FixturePaths.architectureModel("gemma3_multimodal")
        let untied = directory.file("untied")
        var tensors = try TinyCheckpoint.readAll(tied)
        let embedding = try #require(tensors["language_model.model.embed_tokens.weight"])
        tensors["language_model.lm_head.weight"] = TensorData(
            name: "language_model.lm_head.weight", dtype: embedding.dtype, shape: embedding.shape, values: embedding.values.map { -$0 })
        let config = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: tied + "/config.json"))))
        let untiedConfig = config.setting("tie_word_embeddings", to: false)
            .setting("text_config", to: (config["text_config"] ?? .null).setting("tie_word_embeddings", to: false))
        try TinyCheckpoint.write(tensors.values.sorted { $0.name < $1.name }, to: untied, config: untiedConfig.serialized(pretty: true))
        #expect(try ModelDirectory(path: untied).modelDescription.tiedEmbeddings?.head == "language_model.lm_head.weight")

        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(tied, [0, 3], untied, [1, 4], in: directory))
        #expect(Self.sources(of: "language_model.lm_head.weight", in: plan) == ["untied:language_model.lm_head.weight"])
        #expect(plan.outputConfig["tie_word_embeddings"] == .bool(false))
        #expect(plan.outputConfig["text_config"]?["tie_word_embeddings"] == .bool(false))
        let edits = plan.stacks?.configEdits.filter { $0.key.key == "tie_word_embeddings" }.map(\.key.description).sorted()
        #expect(edits == ["text_config.tie_word_embeddings", "tie_word_embeddings"])

        // Stacked the other way round, the last slice is tied: its embedding is the head.
        let reversed = try Planner.plan(recipeAt: try Self.frankenmerge(untied, [0, 3], tied, [1, 4], in: directory))
        #expect(Self.sources(of: "language_model.lm_head.weight", in: reversed) == ["base:language_model.model.embed_tokens.weight"])
        #expect(reversed.outputConfig["text_config"]?["tie_word_embeddings"] == .bool(false))
    }

    // MARK: - Layers past the count, configs without a count

    /// DeepSeek-V3 checkpoints store multi-token-prediction layers past `num_hidden_layers`.
    static func modelWithExtraLayer(in directory: TemporaryDirectory, name: String) throws -> String {
        let path = directory.file(name)
        let config = TinyCheckpoint.llamaConfig(layers: 4, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32)
            .replacingOccurrences(of: "\"num_hidden_layers\": 4,", with: "\"num_hidden_layers\": 4,\n  \"num_nextn_predict_layers\": 1,")
        try TinyCheckpoint.write(
            TinyCheckpoint.llama(layers: 5, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32, seed: 1), to: path, config: config)
        return path
    }

    @Test func layersPastTheCountFollowWholeModelsOnly() throws {
        let directory = try TemporaryDirectory()
        let model = try Self.modelWithExtraLayer(in: directory, name: "mtp")
        let description = try ModelDirectory(path: model).modelDescription
        #expect(description.textStack?.count == 4)
        #expect(description.textStack?.extraLayers?.count == 1)
        #expect(description.extraLayerNames.count == 9)
        #expect(description.names(at: .afterLayers).contains("model.layers.4.mlp.up_proj.weight"))

        let whole = try Planner.plan(recipeAt: try Self.linear([model, model], in: directory))
        #expect(whole.jobs.contains { $0.outputName == "model.layers.4.mlp.up_proj.weight" })
        #expect(whole.outputConfig["num_nextn_predict_layers"]?.intValue == 1)

        let stacked = try Planner.plan(recipeAt: try Self.frankenmerge(model, [0, 3], model, [1, 4], in: directory))
        #expect(Self.sources(of: "model.layers.4.mlp.up_proj.weight", in: stacked) == ["mtp:model.layers.2.mlp.up_proj.weight"])
        #expect(!stacked.jobs.contains { job in job.inputs.contains { $0.tensorName.hasPrefix("model.layers.4.") } })
        #expect(stacked.outputConfig["num_nextn_predict_layers"]?.intValue == 0)
        #expect(stacked.warnings.contains { $0.message.contains("num_nextn_predict_layers, multi-token prediction") })
    }

    @Test func stackWithoutACountKeyKeepsItsLength() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("uncounted")
        let config = TinyCheckpoint.llamaConfig(layers: 4, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32)
            .replacingOccurrences(of: "\"num_hidden_layers\": 4,", with: "")
        try TinyCheckpoint.write(TinyCheckpoint.llama(layers: 4, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32, seed: 1), to: path, config: config)
        #expect(try ModelDirectory(path: path).layerCount() == 4)
        let whole = try Planner.plan(recipeAt: try Self.linear([path, path], in: directory))
        #expect(whole.outputConfig["num_hidden_layers"] == nil)
        let errors = Self.errors(try Self.frankenmerge(path, [0, 3], path, [1, 4], in: directory))
        #expect(errors == ["cannot stack these layers: model.layers (which config.json does not count): the output has 6 layers instead of 4, and config.json has no key to say so"])
    }

    // MARK: - plan

    @Test func planShowsTheStacksAndTheLayerMap() throws {
        let directory = try TemporaryDirectory()
        let a = try Self.copy("qwen2_vl", as: "a", in: directory)
        let b = try Self.copy("qwen2_vl", as: "b", in: directory)
        let plan = try Planner.plan(recipeAt: try Self.frankenmerge(a, [2, 4], b, [0, 3], in: directory))
        let report = PlanReport(plan: plan, workers: 1)
        let text = report.text
        #expect(text.contains("  model.layers (text): counted by text_config.num_hidden_layers; layers: \(a) 4, \(b) 4; slices apply to it"))
        #expect(text.contains("  visual.blocks (vision): counted by vision_config.depth; layers: \(a) 2, \(b) 2; taken whole from the first slice's models"))
        #expect(text.contains("  0 ← \(a) layer 2\n  1 ← \(a) layer 3\n  2 ← \(b) layer 0\n"))
        #expect(text.contains("before the stack (embeddings, other stacks): from \(a)"))
        #expect(text.contains("after the stack (final norm, head): from \(b)"))
        #expect(text.contains("  text_config.num_hidden_layers: 4 → 5  (the text stack's layer count)"))
        #expect(text.contains("  text_config.layer_types: ["))

        let structure = try #require(report.json["structure"])
        #expect(structure["stacks"]?.arrayValue?.map { $0["prefix"] } == [.string("model.layers"), .string("visual.blocks")])
        #expect(structure["stacks"]?.arrayValue?.first?["count_key"] == .string("text_config.num_hidden_layers"))
        #expect(structure["output_layers"]?.arrayValue?[2] == .object(JSONObject([
            (key: "layer", value: .integer(2)),
            (key: "sources", value: [.object(JSONObject([(key: "model", value: .string(b)), (key: "layer", value: .integer(0))]))]),
        ])))
        #expect(structure["config_changes"]?.arrayValue?.first?["key"] == .string("text_config.num_hidden_layers"))
        #expect(structure["config_changes"]?.arrayValue?.first?["new"] == .integer(5))
    }
}
