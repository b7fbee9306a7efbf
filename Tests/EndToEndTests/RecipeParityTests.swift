import Foundation
import MergeKitTestSupport
import Testing

/// Small things mergekit recipes and model folders do that must work here too, through the
/// binary: a lone `{filter, value}` mapping, `dtype: torch.bfloat16`, `rescale: true` (mergekit's
/// L1 rule, shown by `plan`), generation_config.json from the base, and a relative model path
/// that exists both beside the recipe and in the working directory.
@Suite struct RecipeParityTests {
    static func planJSON(_ arguments: [String], in directory: String = CommandLineTool.repositoryRoot) throws -> [String: Any] {
        let result = try CommandLineTool.run(["plan"] + arguments + ["--json"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func aLoneFilterMappingAppliesWhereItMatches() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ExampleFamily.copy(into: directory.path)
        let text = try String(contentsOfFile: recipe, encoding: .utf8)
            .replacingOccurrences(of: "parameters: {weight: 1.0, drop_rate: 0.9}\n  - model: ./ft_b", with: "parameters:\n      weight: {filter: mlp, value: [0.2, 0.8]}\n      drop_rate: 0.9\n  - model: ./ft_b")
            + "\nparameters:\n  weight: 0.5\n"
        try text.write(toFile: recipe, atomically: true, encoding: .utf8)
        let json = try Self.planJSON(["recipe.yaml"], in: directory.path)
        let tensors = try #require(json["tensors"] as? [[String: Any]])
        func weightOfFtA(_ name: String) throws -> Double? {
            let tensor = try #require(tensors.first { $0["name"] as? String == name })
            let inputs = try #require(tensor["inputs"] as? [[String: Any]])
            let ftA = try #require(inputs.first { $0["model"] as? String == "./ft_a" })
            return (ftA["parameters"] as? [String: Any])?["weight"] as? Double
        }
        #expect(try weightOfFtA("model.layers.0.mlp.up_proj.weight") == 0.2)
        #expect(try weightOfFtA("model.layers.3.mlp.up_proj.weight") == 0.8)
        #expect(try weightOfFtA("model.layers.3.self_attn.q_proj.weight") == 0.5)
        #expect(try CommandLineTool.run(["apply", "recipe.yaml", "out"], in: directory.path).status == 0)
    }

    @Test func torchDTypeSpellings() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ExampleFamily.copy(into: directory.path)
        try (try String(contentsOfFile: recipe, encoding: .utf8) + "\ndtype: torch.float32\nout_dtype: torch.bfloat16\n")
            .write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TinyCheckpoint.readAll(directory.path + "/out").values.allSatisfy { $0.dtype == .bf16 })
        let config = try String(contentsOfFile: directory.path + "/out/config.json", encoding: .utf8)
        #expect(config.contains("\"torch_dtype\": \"bfloat16\""))
        try (try String(contentsOfFile: recipe, encoding: .utf8) + "\ndtype: torch.int64\n").write(toFile: recipe, atomically: true, encoding: .utf8)
        let refused = try CommandLineTool.run(["validate", "recipe.yaml"], in: directory.path)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("error: dtype 'torch.int64' cannot be merged; expected bfloat16, float16, float32 or float64"), "\(refused.stderr)")
    }

    /// `rescale: true` on dare_ties is mergekit's L1 rule; ties takes it too. `plan` prints the
    /// rule in effect under the method, and the merges differ from the defaults.
    @Test func rescaleTrueIsShownAndApplied() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ExampleFamily.copy(into: directory.path)
        let plain = try String(contentsOfFile: recipe, encoding: .utf8)
        try (plain + "\nparameters:\n  rescale: true\n").write(toFile: directory.path + "/l1.yaml", atomically: true, encoding: .utf8)
        let plan = try CommandLineTool.run(["plan", "l1.yaml"], in: directory.path)
        #expect(plan.stdout.contains("method: dare_ties\n  rescale: true (= l1) — kept entries × |τ|₁/|τ ⊙ mask|₁ per tensor and model, mergekit's rescale\n"), "\(plan.stdout)")
        let defaultPlan = try CommandLineTool.run(["plan", "recipe.yaml"], in: directory.path)
        #expect(defaultPlan.stdout.contains("method: dare_ties\n  rescale: inverse_density — kept entries × 1/density"))
        let json = try Self.planJSON(["l1.yaml"], in: directory.path)
        let rules = try #require(json["rules"] as? [[String: Any]])
        #expect(rules.count == 1 && rules.first?["parameter"] as? String == "rescale" && rules.first?["value"] as? String == "true")
        for name in ["recipe.yaml", "l1.yaml"] {
            #expect(try CommandLineTool.run(["apply", name, name + ".out"], in: directory.path).status == 0)
        }
        let l1 = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/l1.yaml.out/model.safetensors"))
        #expect(l1 != (try Data(contentsOf: URL(fileURLWithPath: directory.path + "/recipe.yaml.out/model.safetensors"))))
        let ties = try CommandLineTool.run(["plan", CommandLineTool.repositoryRoot + "/Recipes/ties.yaml"], in: directory.path)
        #expect(ties.stdout.contains("method: ties\n  rescale: none — kept entries as they are, not rescaled\n"))
    }

    /// generation_config.json comes from the base (mergekit copies it with the tokenizer), not
    /// from another model that has one too, and also when the tokenizer is not copied.
    @Test func generationConfigComesFromTheBase() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let fromBase = "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": 2,\n  \"temperature\": 0.6\n}\n"
        try fromBase.write(toFile: directory.path + "/base/generation_config.json", atomically: true, encoding: .utf8)
        try "{\"temperature\": 1.5}\n".write(toFile: directory.path + "/ft_a/generation_config.json", atomically: true, encoding: .utf8)
        for flags in [[], ["--no-copy-tokenizer"]] {
            let output = directory.path + "/out\(flags.count)"
            let result = try CommandLineTool.run(["apply", "recipe.yaml", output] + flags, in: directory.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try String(contentsOfFile: output + "/generation_config.json", encoding: .utf8) == fromBase)
        }
        let withoutBaseFile = try TemporaryDirectory()
        try ExampleFamily.copy(into: withoutBaseFile.path)
        try "{}\n".write(toFile: withoutBaseFile.path + "/ft_a/generation_config.json", atomically: true, encoding: .utf8)
        #expect(try CommandLineTool.run(["apply", "recipe.yaml", "out"], in: withoutBaseFile.path).status == 0)
        #expect(!FileManager.default.fileExists(atPath: withoutBaseFile.path + "/out/generation_config.json"))
    }

    /// `./ft_a` beside the recipe and `./ft_a` in the working directory are different models:
    /// the one beside the recipe is used, and the warning says so (mergekit would take the other).
    @Test func anAmbiguousRelativePathIsWarned() throws {
        let directory = try TemporaryDirectory()
        let recipes = directory.path + "/recipes"
        try FileManager.default.createDirectory(atPath: recipes, withIntermediateDirectories: true)
        try ExampleFamily.copy(into: recipes)
        try ExampleFamily.copy(into: directory.path)
        let result = try CommandLineTool.run(["validate", "recipes/recipe.yaml"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let resolved = URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path
        for (line, model) in [(2, "base"), (4, "ft_a"), (6, "ft_b")] {
            let column = model == "base" ? 13 : 12
            #expect(result.stderr.contains(
                "recipes/recipe.yaml:\(line):\(column): warning: model './\(model)' exists beside the recipe ('\(resolved)/recipes/\(model)') and in the current directory ('\(resolved)/\(model)'); using the one beside the recipe (mergekit would use the one in the current directory)"),
                "\(result.stderr)")
        }
        let alone = try CommandLineTool.run(["validate", "recipe.yaml"], in: recipes)
        #expect(alone.status == 0 && !alone.stderr.contains("warning"), "\(alone.stderr)")
    }
}
