import Foundation
import MergeKitEngine
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// What the engine reads from checkpoints saved by transformers 5 (Fixtures/architectures: 23
/// variants of 20 families, 4 text layers of hidden size 16): every stack with its count key,
/// where the tensors around the text stack go, the tied head, and that merges of whole models
/// keep every tensor while frankenmerges renumber the text stack only and update its own count
/// key. docs/architectures.md has the end-to-end table.
@Suite struct ArchitectureFixtureTests {
    struct OtherStack: Sendable {
        var prefix: String
        var countKey: String
        var count: Int
        var role: LayerStack.Role
    }

    struct Fixture: Sendable, CustomTestStringConvertible {
        var architecture: String
        var stack = "model.layers"
        var role = LayerStack.Role.text
        var countKey = "num_hidden_layers"
        var count = 4
        var otherStacks: [OtherStack] = []
        /// Some of the tensors before the text stack (all of them must be there).
        var before = ["model.embed_tokens.weight"]
        /// Every tensor after it.
        var after = ["model.norm.weight", "lm_head.weight"]
        var head: String? = "lm_head.weight"
        var embedding = "model.embed_tokens.weight"
        var tied = false
        var testDescription: String { architecture }

        /// A model whose head is its embedding (no `lm_head` stored).
        static func tied(_ architecture: String) -> Fixture {
            Fixture(architecture: architecture, after: ["model.norm.weight"], head: nil, tied: true)
        }
    }

    static let fixtures: [Fixture] = [
        Fixture(architecture: "llama"),
        .tied("llama_tied_untied"),
        Fixture(architecture: "mistral"),
        .tied("qwen2"),
        Fixture(architecture: "qwen3"),
        Fixture(architecture: "qwen3_moe"),
        Fixture(architecture: "mixtral"),
        Fixture(architecture: "deepseek_v3"),
        .tied("gemma2"),
        .tied("gemma3"),
        Fixture(
            architecture: "gemma3_multimodal", stack: "language_model.model.layers", countKey: "text_config.num_hidden_layers",
            otherStacks: [OtherStack(prefix: "vision_tower.encoder.layers", countKey: "vision_config.num_hidden_layers", count: 2, role: .vision)],
            before: [
                "language_model.model.embed_tokens.weight", "vision_tower.embeddings.patch_embedding.weight",
                "vision_tower.encoder.layers.1.mlp.fc2.weight", "vision_tower.post_layernorm.weight", "vision_tower.head.probe",
                "multi_modal_projector.mm_input_projection_weight", "multi_modal_projector.mm_soft_emb_norm.weight",
            ],
            after: ["language_model.model.norm.weight"], head: nil, embedding: "language_model.model.embed_tokens.weight", tied: true),
        Fixture(architecture: "phi3"),
        Fixture(
            architecture: "gpt2", stack: "transformer.h", countKey: "n_layer", before: ["transformer.wte.weight", "transformer.wpe.weight"],
            after: ["transformer.ln_f.weight", "transformer.ln_f.bias"], head: nil, embedding: "transformer.wte.weight", tied: true),
        Fixture(
            architecture: "gpt_neox", stack: "gpt_neox.layers", before: ["gpt_neox.embed_in.weight"],
            after: ["gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias", "embed_out.weight"],
            head: "embed_out.weight", embedding: "gpt_neox.embed_in.weight"),
        Fixture(architecture: "olmo2"),
        Fixture(architecture: "granite"),
        Fixture(architecture: "starcoder2", after: ["model.norm.weight", "model.norm.bias"], head: nil, tied: true),
        Fixture(
            architecture: "falcon", stack: "transformer.h", before: ["transformer.word_embeddings.weight"],
            after: ["transformer.ln_f.weight", "transformer.ln_f.bias"], head: nil, embedding: "transformer.word_embeddings.weight", tied: true),
        Fixture(
            architecture: "bert", stack: "bert.encoder.layer",
            before: ["bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
                     "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight"],
            after: ["cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
                    "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias"],
            head: nil, embedding: "bert.embeddings.word_embeddings.weight", tied: true),
        Fixture(
            architecture: "t5", stack: "decoder.block", role: .decoder, countKey: "num_decoder_layers",
            otherStacks: [OtherStack(prefix: "encoder.block", countKey: "num_layers", count: 2, role: .encoder)],
            before: ["shared.weight", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", "encoder.final_layer_norm.weight"],
            after: ["decoder.final_layer_norm.weight"], head: nil, embedding: "shared.weight", tied: true),
        Fixture(
            architecture: "qwen2_vl", countKey: "text_config.num_hidden_layers",
            otherStacks: [OtherStack(prefix: "visual.blocks", countKey: "vision_config.depth", count: 2, role: .vision)],
            before: ["model.embed_tokens.weight", "visual.patch_embed.proj.weight", "visual.blocks.0.attn.qkv.weight",
                     "visual.merger.ln_q.weight", "visual.merger.mlp.0.weight", "visual.merger.mlp.2.bias"]),
        Fixture(
            architecture: "llava", stack: "language_model.model.layers", countKey: "text_config.num_hidden_layers",
            otherStacks: [OtherStack(prefix: "vision_tower.encoder.layers", countKey: "vision_config.num_hidden_layers", count: 2, role: .vision)],
            before: ["language_model.model.embed_tokens.weight", "vision_tower.embeddings.class_embedding", "vision_tower.pre_layrnorm.weight",
                     "vision_tower.post_layernorm.weight", "multi_modal_projector.linear_1.weight", "multi_modal_projector.linear_2.bias"],
            after: ["language_model.model.norm.weight", "language_model.lm_head.weight"], head: "language_model.lm_head.weight",
            embedding: "language_model.model.embed_tokens.weight"),
        Fixture(
            architecture: "t5_3_blocks", stack: "decoder.block", role: .decoder, countKey: "num_decoder_layers", count: 3,
            otherStacks: [OtherStack(prefix: "encoder.block", countKey: "num_layers", count: 3, role: .encoder)],
            before: ["shared.weight", "encoder.block.2.layer.1.DenseReluDense.wo.weight", "encoder.final_layer_norm.weight"],
            after: ["decoder.final_layer_norm.weight"], head: nil, embedding: "shared.weight", tied: true),
    ]

    @Test func everyFixtureIsListed() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: FixturePaths.architectures)
        #expect(Set(directories) == Set(Self.fixtures.map(\.architecture)))
    }

    @Test(arguments: fixtures)
    func findsEveryStackWithItsCountKey(_ fixture: Fixture) throws {
        let model = try ModelDirectory(path: FixturePaths.architectureModel(fixture.architecture))
        let description = model.modelDescription
        #expect(description.problem == nil)
        let text = try #require(description.textStack)
        #expect(text.prefix == fixture.stack)
        #expect(text.role == fixture.role)
        #expect(text.countKey?.description == fixture.countKey)
        #expect(text.count == fixture.count)
        #expect(text.countKey?.value(in: model.config)?.intValue == fixture.count)
        #expect(try model.layerCount() == fixture.count)
        let others = description.stacks.filter { $0.prefix != text.prefix }
        #expect(others.map(\.prefix) == fixture.otherStacks.map(\.prefix))
        for (found, expected) in zip(others, fixture.otherStacks) {
            #expect(found.countKey?.description == expected.countKey)
            #expect(found.count == expected.count)
            #expect(found.role == expected.role)
        }
    }

    @Test(arguments: fixtures)
    func placesEveryTensorAroundTheTextStack(_ fixture: Fixture) throws {
        let model = try ModelDirectory(path: FixturePaths.architectureModel(fixture.architecture))
        let description = model.modelDescription
        let before = description.names(at: .beforeLayers)
        let after = description.names(at: .afterLayers)
        let layers = (0..<fixture.count).flatMap { description.names(at: .layer($0)) }
        #expect((before + layers + after).sorted() == model.tensorNames.sorted())
        for name in fixture.before { #expect(before.contains(name), "\(name)") }
        #expect(after.sorted() == fixture.after.sorted())
        for layer in 0..<fixture.count {
            #expect(description.names(at: .layer(layer)).allSatisfy { $0.hasPrefix("\(fixture.stack).\(layer).") })
        }
    }

    @Test(arguments: fixtures)
    func findsTheTiedHead(_ fixture: Fixture) throws {
        let model = try ModelDirectory(path: FixturePaths.architectureModel(fixture.architecture))
        let tied = try #require(model.modelDescription.tiedEmbeddings)
        #expect(tied.head == fixture.head)
        #expect(tied.embedding == fixture.embedding)
        #expect(tied.isTied == fixture.tied)
        let headName = fixture.head ?? (fixture.stack.hasPrefix("language_model.") ? "language_model.lm_head.weight" : "lm_head.weight")
        #expect(tied.tiedSource(for: headName) == (fixture.tied ? fixture.embedding : nil))
    }

    /// A merge of whole models: every tensor of the model, read under its own name; the config
    /// unchanged (no count key added, not even a top-level one next to `text_config`).
    @Test(arguments: fixtures)
    func linearPlanKeepsEveryTensorAndTheConfig(_ fixture: Fixture) throws {
        let directory = try TemporaryDirectory()
        let path = FixturePaths.architectureModel(fixture.architecture)
        let recipe = try Self.write("""
            merge_method: linear
            models:
              - model: \(path)
                parameters: {weight: 0.5}
              - model: \(path)
                parameters: {weight: 0.5}
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        let source = try ModelDirectory(path: path)
        #expect(plan.jobs.map(\.outputName).sorted() == source.tensorNames.sorted())
        #expect(plan.jobs.allSatisfy { $0.inputs.map(\.tensorName) == [$0.outputName, $0.outputName] })
        #expect(plan.outputLayerCount == fixture.count)
        #expect(plan.stacks?.configEdits.isEmpty == true)
        #expect(plan.outputConfig.setting("torch_dtype", to: .null) == source.config.setting("torch_dtype", to: .null))
    }

    /// Two slices of one model, [0, L−1) + [1, L): 2L − 2 text layers, output layer L − 1 is
    /// input layer 1; every other tensor (other stacks included) kept under its name; only the
    /// text stack's own count key changes, where it is.
    @Test(arguments: fixtures)
    func passthroughRenumbersTheTextStackOnly(_ fixture: Fixture) throws {
        let directory = try TemporaryDirectory()
        let path = FixturePaths.architectureModel(fixture.architecture)
        let count = fixture.count
        let recipe = try Self.write("""
            merge_method: passthrough
            slices:
              - sources:
                  - model: \(path)
                    layer_range: [0, \(count - 1)]
              - sources:
                  - model: \(path)
                    layer_range: [1, \(count)]
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        let source = try ModelDirectory(path: path)
        let stack = try #require(source.modelDescription.textStack)
        #expect(plan.outputLayerCount == 2 * count - 2)

        let sourceLayers = Array(0..<(count - 1)) + Array(1..<count)
        var expected: [String: String] = [:]
        for name in source.tensorNames {
            guard let found = stack.layer(of: name) else {
                expected[name] = name
                continue
            }
            for (output, input) in sourceLayers.enumerated() where input == found.index {
                expected[stack.name(layer: output, suffix: found.suffix)] = name
            }
        }
        let planned = Dictionary(uniqueKeysWithValues: plan.jobs.map { ($0.outputName, $0.inputs.map(\.tensorName)) })
        #expect(planned == expected.mapValues { [$0] })
        #expect(plan.jobs.allSatisfy { $0.verbatimInput == 0 })

        let countKey = try #require(stack.countKey)
        #expect(countKey.value(in: plan.outputConfig)?.intValue == 2 * count - 2)
        let changed = Set(plan.stacks?.configEdits.map(\.key.description) ?? [])
        #expect(changed.contains(fixture.countKey))
        for other in fixture.otherStacks {
            #expect(ConfigKeyPath(other.countKey.split(separator: ".").map(String.init)).value(in: plan.outputConfig)?.intValue == other.count)
        }
        if fixture.countKey.contains(".") { #expect(plan.outputConfig["num_hidden_layers"] == nil) }
        for list in source.modelDescription.textLayerFacts?.lists ?? [] {
            let values = try #require(list.key.value(in: plan.outputConfig)?.arrayValue)
            #expect(values == sourceLayers.map { list.values[$0] })
        }
    }

    static func write(_ body: String, in directory: TemporaryDirectory) throws -> String {
        let recipe = directory.file("recipe.yaml")
        try (body + "\n").write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }
}
