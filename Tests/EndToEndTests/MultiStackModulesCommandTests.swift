import Foundation
import MergeKitTestSupport
import Testing

/// `modules:` on models with several layer stacks, through the binary: a Mistral-3-like
/// vision-language model (text_decoder, vision_tower, multi_modal_projector) and a T5-like
/// encoder-decoder (encoder, decoder, shared) give mergekit 0.1.5's outputs (goldens made by
/// make_multistack_goldens.py), also when the same models are saved under transformers 5's
/// names; modules a recipe leaves out are taken whole; `plan` shows every module; layer ranges
/// are checked against the module's own stack.
@Suite struct MultiStackModulesCommandTests {
    static let conformance = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/conformance"
    static let goldenCases = ["modules_vlm_linear", "modules_vlm_task_arithmetic", "modules_t5_task_arithmetic"]
    /// The config keys that count the stacks of the two models.
    static let countKeys = [["text_config", "num_hidden_layers"], ["vision_config", "num_hidden_layers"], ["num_layers"], ["num_decoder_layers"]]

    @Test(arguments: goldenCases)
    func matchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let result = try CommandLineTool.run(["apply", "recipe.yaml", output, "--quiet"], in: Self.conformance + "/" + name)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        try Self.expectClose(output: output, golden: Self.conformance + "/" + name + "/out") { $0 }
    }

    /// The same models under transformers 5's names (`model.language_model.layers.N…`), which
    /// mergekit 0.1.5 does not know: the same merge, tensor for tensor.
    @Test(arguments: ["modules_vlm_linear", "modules_vlm_task_arithmetic"])
    func transformers5NamesMergeAlike(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let recipe = try String(contentsOfFile: Self.conformance + "/" + name + "/recipe.yaml", encoding: .utf8)
            .replacingOccurrences(of: "../models_vlm/", with: CommandLineTool.repositoryRoot + "/Examples/tiny-vlm/")
        try recipe.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let output = directory.path + "/out"
        let result = try CommandLineTool.run(["apply", directory.path + "/recipe.yaml", output, "--quiet"])
        try #require(result.status == 0, "\(result.stderr)")
        try Self.expectClose(output: output, golden: Self.conformance + "/" + name + "/out", Self.transformers5Name)
    }

    /// mergekit 0.1.5 writes no tensor of a module the recipe leaves out (its output lacks the
    /// vision tower and the projector, which transformers then fills with random weights);
    /// here they are taken whole from the base, else the first model, with one warning.
    @Test func leftOutModulesAreTakenWhole() throws {
        let directory = try TemporaryDirectory()
        let models = Self.conformance + "/models_vlm"
        for (base, donor) in [("base_model: \(models)/base\n", "base"), ("", "ft_b")] {
            let recipe = directory.path + "/recipe-\(donor).yaml"
            try """
                merge_method: linear
                \(base)modules:
                  text_decoder:
                    models:
                      - model: \(models)/ft_b
                      - model: \(models)/ft_a
                parameters:
                  weight: 0.5

                """.write(toFile: recipe, atomically: true, encoding: .utf8)
            let output = directory.path + "/out-\(donor)"
            let result = try CommandLineTool.run(["apply", recipe, output])
            try #require(result.status == 0, "\(result.stderr)")
            let line = base.isEmpty ? 3 : 4
            #expect(result.stderr.contains(
                "recipe-\(donor).yaml:\(line):3: warning: modules: leaves out vision_tower, multi_modal_projector; taken whole from '\(models)/\(donor)' (mergekit 0.1.5 writes none of their tensors, an incomplete model)"),
                "\(result.stderr)")
            let produced = try TinyCheckpoint.readAll(output)
            let source = try TinyCheckpoint.readAll(models + "/" + donor)
            #expect(Set(produced.keys) == Set(source.keys))
            for (name, tensor) in source where !name.hasPrefix("language_model.") {
                #expect(produced[name] == tensor, "\(name) should be \(donor)'s")
            }
            let a = try TinyCheckpoint.readAll(models + "/ft_a")
            let head = try #require(produced["language_model.lm_head.weight"])
            let expected = zip(a["language_model.lm_head.weight"]?.values ?? [], source["language_model.lm_head.weight"]?.values ?? [])
            if donor == "ft_b" { #expect(zip(head.values, expected).allSatisfy { abs($0 - 0.5 * ($1.0 + $1.1)) < 1e-6 }) }
        }
    }

    @Test func planShowsEveryModule() throws {
        let folder = Self.conformance + "/modules_vlm_task_arithmetic"
        let text = try CommandLineTool.run(["plan", "recipe.yaml"], in: folder)
        try #require(text.status == 0, "\(text.stderr)")
        for line in [
            "  language_model.model.layers (text): counted by text_config.num_hidden_layers; layers: ../models_vlm/base 4, ../models_vlm/ft_a 4, ../models_vlm/ft_b 4; module text_decoder",
            "module text_decoder: models; its stack language_model.model.layers; 39 tensors",
            "module vision_tower: slices; its stack vision_tower.transformer.layers; 20 tensors",
            "  slice 0: ../models_vlm/ft_b [0, 2), ../models_vlm/base [0, 2)",
            "  1 ← ../models_vlm/ft_b layer 1, ../models_vlm/base layer 1",
            "module multi_modal_projector: models; no layers; 4 tensors",
            "  its tensors: from ../models_vlm/ft_a, ../models_vlm/base",
            "  vision_config.num_hidden_layers: 3 → 2  (the vision_tower stack's layer count)",
            "vision_tower: layer 1",
        ] {
            #expect(text.stdout.contains(line + "\n"), "\(line)")
        }
        let json = try CommandLineTool.run(["plan", "recipe.yaml", "--json"], in: folder)
        try #require(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let structure = try #require(object["structure"] as? [String: Any])
        let modules = try #require(structure["modules"] as? [[String: Any]])
        #expect(modules.map { $0["name"] as? String } == ["text_decoder", "vision_tower", "multi_modal_projector"])
        #expect(modules.map { $0["layout"] as? String } == ["models", "slices", "models"])
        #expect(modules[1]["stack"] as? String == "vision_tower.transformer.layers")
        #expect(modules[2]["stack"] is NSNull)
        let slices = try #require(modules[1]["slices"] as? [[[String: Any]]])
        #expect(slices.first?.first?["layer_range"] as? [Int] == [0, 2])
        #expect((modules[1]["output_layers"] as? [Any])?.count == 2)
    }

    /// A layer range is checked against its module's stack, and the error names it.
    @Test func layerRangesAreCheckedAgainstTheModulesStack() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.path + "/recipe.yaml"
        let models = Self.conformance + "/models_vlm"
        try """
            merge_method: passthrough
            modules:
              text_decoder:
                models: [{model: \(models)/ft_a}]
              vision_tower:
                slices:
                  - sources: [{model: \(models)/ft_a, layer_range: [1, 5]}]
              multi_modal_projector:
                slices:
                  - sources: [{model: \(models)/ft_b, layer_range: [0, 2]}]

            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["validate", recipe])
        #expect(result.status == 65)
        // Each error at its layer_range (the column follows the models' path).
        let column = "      - sources: [{model: \(models)/ft_a, layer_range: ".count + 1
        #expect(result.stderr.contains(
            "recipe.yaml:7:\(column): error: layer_range [1, 5] is outside the vision_tower stack (vision_tower.transformer.layers) of model '\(models)/ft_a', which has 3 layers (0…2)\n"),
            "\(result.stderr)")
        #expect(result.stderr.contains(
            "recipe.yaml:10:\(column): error: layer_range [0, 2] is outside module 'multi_modal_projector' (it has no layers) of model '\(models)/ft_b', which has 0 layers; give layer_range [0, 0] or none\n"),
            "\(result.stderr)")
    }

    /// A `modules:` recipe as a stage of a multi-document recipe: the later stage sees the
    /// stage's modules (its vision stack cut to 2 layers) and the result is the two merges run
    /// one after the other.
    @Test func aModulesRecipeWorksAsAStage() throws {
        let directory = try TemporaryDirectory()
        let models = CommandLineTool.repositoryRoot + "/Examples/tiny-vlm"
        let first = """
            merge_method: linear
            modules:
              text_decoder:
                models: [{model: \(models)/ft_a}]
              vision_tower:
                slices:
                  - sources: [{model: \(models)/ft_a, layer_range: [0, 2]}, {model: \(models)/ft_b, layer_range: [0, 2]}]
              multi_modal_projector:
                models: [{model: \(models)/ft_a}, {model: \(models)/ft_b}]
            parameters:
              weight: 0.5

            """
        let second = { (stage: String) in
            """
            merge_method: task_arithmetic
            base_model: \(models)/base
            modules:
              text_decoder:
                slices:
                  - sources: [{model: \(stage), layer_range: [0, 3]}, {model: \(models)/base, layer_range: [0, 3]}]
              vision_tower:
                models: [{model: \(stage), parameters: {weight: 1.0}}]
              multi_modal_projector:
                models: [{model: \(stage), parameters: {weight: 1.0}}]
            parameters:
              weight: 0.5

            """
        }
        try ("name: vision_mix\n" + first + "---\n" + second("vision_mix")).write(toFile: directory.path + "/stages.yaml", atomically: true, encoding: .utf8)
        try first.write(toFile: directory.path + "/first.yaml", atomically: true, encoding: .utf8)
        try second(directory.path + "/mix").write(toFile: directory.path + "/second.yaml", atomically: true, encoding: .utf8)
        for (recipe, output) in [("stages", "out"), ("first", "mix"), ("second", "expected")] {
            let result = try CommandLineTool.run(["apply", directory.path + "/\(recipe).yaml", directory.path + "/" + output, "--quiet"])
            try #require(result.status == 0, "\(recipe): \(result.stderr)")
        }
        try Self.expectClose(output: directory.path + "/out", golden: directory.path + "/expected") { $0 }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path + "/out/config.json"))) as? [String: Any]
        #expect((config?["vision_config"] as? [String: Any])?["num_hidden_layers"] as? Int == 2)
        #expect((config?["text_config"] as? [String: Any])?["num_hidden_layers"] as? Int == 3)
    }

    // MARK: - Helpers

    /// mergekit's (transformers 4) name of a Mistral 3 tensor → transformers 5's.
    static func transformers5Name(_ name: String) -> String {
        for (old, new) in [("language_model.model.", "model.language_model."), ("language_model.lm_head.", "lm_head."),
                           ("vision_tower.", "model.vision_tower."), ("multi_modal_projector.", "model.multi_modal_projector.")]
        where name.hasPrefix(old) {
            return new + name.dropFirst(old.count)
        }
        return name
    }

    /// Every tensor of `golden` (renamed by `rename`) in `output` within the conformance
    /// tolerance, nothing more, and the stacks' counts in config.json equal.
    static func expectClose(output: String, golden: String, _ rename: (String) -> String) throws {
        let expected = Dictionary(uniqueKeysWithValues: try TinyCheckpoint.readAll(golden).map { (rename($0.key), $0.value) })
        let produced = try TinyCheckpoint.readAll(output)
        #expect(Set(produced.keys) == Set(expected.keys))
        for (tensorName, tensor) in expected {
            let actual = try #require(produced[tensorName], "\(tensorName)")
            #expect(actual.shape == tensor.shape, "\(tensorName)")
            // float32 through another evaluation order: relative 1e-5, with a floor at 1e-6 of the largest value.
            let floor = 1e-6 * Double(tensor.values.map(abs).max() ?? 0)
            let worst = zip(actual.values, tensor.values).map { Double(abs($0 - $1)) - 1e-5 * Double(abs($1)) - floor }.max() ?? 0
            #expect(worst <= 0, "\(tensorName) differs from mergekit's")
        }
        let config = { (path: String) throws -> [String: Any] in
            let data = try Data(contentsOf: URL(fileURLWithPath: path + "/config.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let ours = try config(output)
        let theirs = try config(golden)
        for key in countKeys {
            let value = { (object: [String: Any]) -> Int? in
                key.count == 1 ? object[key[0]] as? Int : (object[key[0]] as? [String: Any])?[key[1]] as? Int
            }
            #expect(value(ours) == value(theirs), "\(key.joined(separator: "."))")
        }
    }
}
