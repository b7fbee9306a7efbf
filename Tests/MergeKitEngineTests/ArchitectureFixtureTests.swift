import Foundation
import MergeKitEngine
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// What the engine reads today from checkpoints saved by transformers 5 (Fixtures/architectures:
/// 4 layers of hidden size 16, one text stack each): the stack and its count key, where the
/// embeddings and final weights go, and that linear and passthrough plans keep and renumber every
/// tensor. docs/architectures.md has the end-to-end table, multi-stack models included.
@Suite struct ArchitectureFixtureTests {
    struct SingleStack: Sendable, CustomTestStringConvertible {
        var architecture: String
        var stackPrefix: String
        var countKey = "num_hidden_layers"
        var beforeLayers = ["model.embed_tokens.weight"]
        var afterLayers = ["model.norm.weight", "lm_head.weight"]
        var testDescription: String { architecture }
    }

    static let tiedDecoder = ["model.norm.weight"]

    static let models = [
        SingleStack(architecture: "llama", stackPrefix: "model.layers"),
        SingleStack(architecture: "llama_tied_untied", stackPrefix: "model.layers", afterLayers: tiedDecoder),
        SingleStack(architecture: "mistral", stackPrefix: "model.layers"),
        SingleStack(architecture: "qwen2", stackPrefix: "model.layers", afterLayers: tiedDecoder),
        SingleStack(architecture: "qwen3", stackPrefix: "model.layers"),
        SingleStack(architecture: "qwen3_moe", stackPrefix: "model.layers"),
        SingleStack(architecture: "mixtral", stackPrefix: "model.layers"),
        SingleStack(architecture: "deepseek_v3", stackPrefix: "model.layers"),
        SingleStack(architecture: "gemma2", stackPrefix: "model.layers", afterLayers: tiedDecoder),
        SingleStack(architecture: "gemma3", stackPrefix: "model.layers", afterLayers: tiedDecoder),
        SingleStack(architecture: "phi3", stackPrefix: "model.layers"),
        SingleStack(architecture: "olmo2", stackPrefix: "model.layers"),
        SingleStack(architecture: "granite", stackPrefix: "model.layers"),
        SingleStack(architecture: "starcoder2", stackPrefix: "model.layers",
                    afterLayers: ["model.norm.weight", "model.norm.bias"]),
        SingleStack(architecture: "gpt2", stackPrefix: "transformer.h", countKey: "n_layer",
                    beforeLayers: ["transformer.wte.weight", "transformer.wpe.weight"],
                    afterLayers: ["transformer.ln_f.weight", "transformer.ln_f.bias"]),
        SingleStack(architecture: "gpt_neox", stackPrefix: "gpt_neox.layers",
                    beforeLayers: ["gpt_neox.embed_in.weight"],
                    afterLayers: ["gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias"]),
        SingleStack(architecture: "falcon", stackPrefix: "transformer.h",
                    beforeLayers: ["transformer.word_embeddings.weight"],
                    afterLayers: ["transformer.ln_f.weight", "transformer.ln_f.bias"]),
        SingleStack(architecture: "bert", stackPrefix: "bert.encoder.layer",
                    beforeLayers: ["bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
                                   "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight"],
                    afterLayers: ["cls.predictions.bias", "cls.predictions.transform.dense.weight"]),
    ]

    static let layerCount = 4

    @Test(arguments: models)
    func findsTheStackAndItsCount(_ model: SingleStack) throws {
        let directory = try ModelDirectory(path: FixturePaths.architectureModel(model.architecture))
        #expect(try directory.layerCount() == Self.layerCount)
        #expect(directory.config[model.countKey]?.intValue == Self.layerCount)
        var indices: Set<Int> = []
        for name in directory.tensorNames {
            guard let found = TensorNaming.layerIndex(in: name) else { continue }
            #expect(found.prefix == model.stackPrefix, "\(name)")
            indices.insert(found.index)
        }
        #expect(indices == Set(0..<Self.layerCount))
        for name in model.beforeLayers {
            #expect(directory.tensor(named: name) != nil, "\(name)")
            #expect(TensorNaming.placement(of: name) == .beforeLayers, "\(name)")
        }
        for name in model.afterLayers {
            #expect(directory.tensor(named: name) != nil, "\(name)")
            #expect(TensorNaming.placement(of: name) == .afterLayers, "\(name)")
        }
    }

    @Test(arguments: models)
    func linearPlanKeepsEveryTensor(_ model: SingleStack) throws {
        let directory = try TemporaryDirectory()
        let path = FixturePaths.architectureModel(model.architecture)
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
        #expect(plan.outputLayerCount == Self.layerCount)
        #expect(plan.outputConfig[model.countKey]?.intValue == Self.layerCount)
    }

    /// Two slices of one model, [0, 3) + [1, 4): six layers, output layer 3 is input layer 1.
    @Test(arguments: models)
    func passthroughRenumbersTheStack(_ model: SingleStack) throws {
        let directory = try TemporaryDirectory()
        let path = FixturePaths.architectureModel(model.architecture)
        let recipe = try Self.write("""
            merge_method: passthrough
            slices:
              - sources:
                  - model: \(path)
                    layer_range: [0, 3]
              - sources:
                  - model: \(path)
                    layer_range: [1, 4]
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        let source = try ModelDirectory(path: path)
        #expect(plan.outputLayerCount == 6)
        #expect(plan.outputConfig[model.countKey]?.intValue == 6)

        let sourceLayers = [0, 1, 2, 1, 2, 3]
        var expected: [String: String] = [:]
        for name in source.tensorNames {
            guard let found = TensorNaming.layerIndex(in: name) else {
                expected[name] = name
                continue
            }
            for (output, input) in sourceLayers.enumerated() where input == found.index {
                expected["\(found.prefix).\(output).\(found.suffix)"] = name
            }
        }
        let planned = Dictionary(uniqueKeysWithValues: plan.jobs.map { ($0.outputName, $0.inputs.map(\.tensorName)) })
        #expect(planned == expected.mapValues { [$0] })
        #expect(plan.jobs.allSatisfy { $0.verbatimInput == 0 })
    }

    static func write(_ body: String, in directory: TemporaryDirectory) throws -> String {
        let recipe = directory.file("recipe.yaml")
        try (body + "\n").write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }
}
