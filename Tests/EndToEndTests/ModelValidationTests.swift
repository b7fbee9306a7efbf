import Foundation
import MergeKitTensor
import MergeKitTestSupport
import Testing

/// Every model is checked the same way, the base included: a sound layer count in config.json
/// that agrees with the tensor names, weights that exist, and every tensor the output needs. The
/// output needs every tensor any input of a slice has, so a tensor one input lacks is an error
/// naming that model, never silently left out of the merge.
@Suite struct ModelValidationTests {
    static let layers = 2

    /// The tiny Llama family member `name` (seeded by `seed`), with `drop` left out of its
    /// weights and `edit` applied to its config.json text.
    static func writeModel(
        _ name: String, seed: UInt64, in directory: String, drop: [String] = [], edit: (String) -> String = { $0 }
    ) throws {
        let tensors = TinyCheckpoint.llama(layers: layers, hidden: 8, intermediate: 16, vocab: 12, dtype: .f32, seed: seed)
            .filter { !drop.contains($0.name) }
        let config = TinyCheckpoint.llamaConfig(layers: layers, hidden: 8, intermediate: 16, vocab: 12, dtype: .f32)
        try TinyCheckpoint.write(tensors, to: directory + "/" + name, config: edit(config))
    }

    /// base, ft_a and ft_b; `drop` and `edit` change one of them.
    static func writeFamily(
        in directory: String, changing changed: String = "", drop: [String] = [], edit: @escaping (String) -> String = { $0 }
    ) throws {
        for (name, seed) in [("base", UInt64(1)), ("ft_a", 2), ("ft_b", 3)] {
            try writeModel(name, seed: seed, in: directory, drop: name == changed ? drop : [], edit: name == changed ? edit : { $0 })
        }
    }

    static let taskArithmetic = """
        merge_method: task_arithmetic
        base_model: ./base
        models:
          - model: ./ft_a
            parameters: {weight: 0.5}
          - model: ./ft_b
            parameters: {weight: 0.5}
        """

    static let linear = """
        merge_method: linear
        models:
          - model: ./ft_a
            parameters: {weight: 0.5}
          - model: ./ft_b
            parameters: {weight: 0.5}
        """

    static func writeRecipe(_ text: String, in directory: String) throws {
        try (text + "\n").write(toFile: directory + "/recipe.yaml", atomically: true, encoding: .utf8)
    }

    /// `validate` and `apply` both refuse the recipe (65), with every word of `expected` in the
    /// message, and nothing is written.
    static func expectRefused(in directory: String, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for command in [["validate", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"]] {
            let result = try CommandLineTool.run(command, in: directory)
            #expect(result.status == 65, "\(command[0]): \(result.stderr)\(result.stdout)", sourceLocation: sourceLocation)
            for word in expected {
                #expect(result.stderr.contains(word), "\(command[0]) should say '\(word)': \(result.stderr)", sourceLocation: sourceLocation)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/out"), sourceLocation: sourceLocation)
    }

    /// The fine-tunes have a tensor the base lacks: it used to vanish from the output.
    @Test func aTensorMissingFromTheBaseIsAnError() throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, changing: "base", drop: ["model.layers.1.mlp.up_proj.weight"])
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        try Self.expectRefused(in: directory.path, ["model.layers.1.mlp.up_proj.weight", "'./base'", "missing"])
    }

    /// The first model of `linear` defined the output's tensors: one it lacked was dropped.
    @Test(arguments: ["model.norm.weight", "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight"])
    func aTensorMissingFromTheFirstModelOfLinearIsAnError(_ tensor: String) throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, changing: "ft_a", drop: [tensor])
        try Self.writeRecipe(Self.linear, in: directory.path)
        try Self.expectRefused(in: directory.path, [tensor, "'./ft_a'", "missing"])
    }

    /// A base whose index maps no tensor gave a "0 tensors" merge and exit 0.
    @Test func aBaseWithAnEmptyWeightMapIsAnError() throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path)
        let base = directory.path + "/base"
        try FileManager.default.removeItem(atPath: base + "/model.safetensors")
        try #"{"metadata": {"total_size": 0}, "weight_map": {}}"#.write(
            toFile: base + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        try Self.expectRefused(in: directory.path, ["model.safetensors.index.json", "holds no tensors"])
    }

    /// The base's config.json is checked like every model's: a count that disagrees with the
    /// weights, or is not a positive integer, was ignored.
    @Test(arguments: [
        ("5", "says num_hidden_layers = 5, but the weights hold 2 layers"),
        ("1000000000000000000", "found 1000000000000000000"),
        ("-1", "found -1"),
        ("0", "found 0"),
        ("\"2\"", "found \"2\""),
        ("2.0", "found 2.0"),
    ])
    func aBaseWithAnUnsoundLayerCountIsAnError(_ written: String, _ expected: String) throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, changing: "base") {
            $0.replacingOccurrences(of: "\"num_hidden_layers\": \(Self.layers)", with: "\"num_hidden_layers\": \(written)")
        }
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        try Self.expectRefused(in: directory.path, ["base/config.json", "num_hidden_layers", expected])
    }

    /// `moe` opens its experts through the same catalog: an expert's unsound count is refused at
    /// its line, before any weight is read.
    @Test func anMoEExpertWithAnUnsoundLayerCountIsAnError() throws {
        let directory = try TemporaryDirectory()
        let models = CommandLineTool.repositoryRoot + "/Tests/MergeKitMoETests/Fixtures/models"
        let expert = directory.path + "/expert"
        try FileManager.default.copyItem(atPath: models + "/llama_ft_b", toPath: expert)
        let config = try String(contentsOfFile: expert + "/config.json", encoding: .utf8)
        try FileManager.default.removeItem(atPath: expert + "/config.json")
        try config.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": \"2\"")
            .write(toFile: expert + "/config.json", atomically: true, encoding: .utf8)
        try """
            base_model: \(models)/llama_base
            gate_mode: random
            experts:
              - source_model: \(models)/llama_ft_a
              - source_model: ./expert
            """.write(toFile: directory.path + "/moe.yaml", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["moe", "moe.yaml", "-o", "out"], in: directory.path)
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("moe.yaml:5:19: error: model './expert' cannot be used"), "\(result.stderr)")
        #expect(result.stderr.contains("expert/config.json: num_hidden_layers must be a positive integer up to 100000, found \"2\""))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// A layer with no tensor at all, though the count agrees with the highest layer number.
    @Test func aModelWithAnEmptyLayerIsAnError() throws {
        let directory = try TemporaryDirectory()
        let layerZero = TinyCheckpoint.llama(layers: 1, hidden: 8, intermediate: 16, vocab: 12, dtype: .f32, seed: 1)
            .map(\.name).filter { $0.hasPrefix("model.layers.0.") }
        try Self.writeFamily(in: directory.path, changing: "base", drop: layerZero)
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        try Self.expectRefused(in: directory.path, ["base/config.json", "num_hidden_layers = 2", "no tensor of layer 0"])
    }

    /// Tied embeddings: a model that stores no `lm_head.weight` and whose config ties it to the
    /// input embedding is read through its embedding when another input has a head.
    @Test func aTiedBaseIsReadThroughItsEmbedding() throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, changing: "base", drop: ["lm_head.weight"]) {
            $0.replacingOccurrences(of: "\"tie_word_embeddings\": false", with: "\"tie_word_embeddings\": true")
        }
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path)
        try #require(result.status == 0, "\(result.stderr)")

        let output = try TinyCheckpoint.readAll(directory.path + "/out")
        let base = try TinyCheckpoint.readAll(directory.path + "/base")
        let tuned = try ["ft_a", "ft_b"].map { try TinyCheckpoint.readAll(directory.path + "/" + $0) }
        #expect(output.count == base.count + 1)
        let embedding = try #require(base["model.embed_tokens.weight"]).values
        let heads = try tuned.map { try #require($0["lm_head.weight"]).values }
        let merged = try #require(output["lm_head.weight"]).values
        let expected = embedding.indices.map { i in embedding[i] + 0.5 * (heads[0][i] - embedding[i]) + 0.5 * (heads[1][i] - embedding[i]) }
        #expect(zip(merged, expected).allSatisfy { abs($0 - $1) <= 1e-6 }, "lm_head is not merged from the base's embedding")
    }

    /// When no input stores a head (all tied), the output has none either.
    @Test func aFamilyOfTiedModelsKeepsNoHead() throws {
        let directory = try TemporaryDirectory()
        for (name, seed) in [("base", UInt64(1)), ("ft_a", 2), ("ft_b", 3)] {
            try Self.writeModel(name, seed: seed, in: directory.path, drop: ["lm_head.weight"]) {
                $0.replacingOccurrences(of: "\"tie_word_embeddings\": false", with: "\"tie_word_embeddings\": true")
            }
        }
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TinyCheckpoint.readAll(directory.path + "/out")["lm_head.weight"] == nil)
    }

    /// A model that lacks the head while its config does not say the embeddings are tied is
    /// incomplete: nothing may stand in for the head.
    @Test(arguments: ["\"tie_word_embeddings\": false", "\"unrelated\": false"])
    func anUntiedModelWithoutAHeadIsAnError(_ tying: String) throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path, changing: "ft_b", drop: ["lm_head.weight"]) {
            $0.replacingOccurrences(of: "\"tie_word_embeddings\": false", with: tying)
        }
        try Self.writeRecipe(Self.taskArithmetic, in: directory.path)
        try Self.expectRefused(in: directory.path, ["lm_head.weight", "'./ft_b'", "does not say tie_word_embeddings: true"])
    }

    /// A passthrough frankenmerge takes each slice from its own model: only that slice's model
    /// must have the slice's tensors.
    @Test func aFrankenmergeStillWorks() throws {
        let directory = try TemporaryDirectory()
        try Self.writeFamily(in: directory.path)
        try Self.writeRecipe("""
            merge_method: passthrough
            slices:
              - sources:
                  - model: ./base
                    layer_range: [0, 2]
              - sources:
                  - model: ./ft_a
                    layer_range: [1, 2]
            """, in: directory.path)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let output = try TinyCheckpoint.readAll(directory.path + "/out")
        let tuned = try TinyCheckpoint.readAll(directory.path + "/ft_a")
        #expect(output["model.layers.2.mlp.up_proj.weight"] == tuned["model.layers.1.mlp.up_proj.weight"].map {
            TensorData(name: "model.layers.2.mlp.up_proj.weight", dtype: $0.dtype, shape: $0.shape, values: $0.values)
        })
        #expect(output.count == 2 + 3 * 9 + 1)
    }
}
