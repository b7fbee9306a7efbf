import Foundation
import MergeKitTestSupport
import Testing

/// Multi-stage recipes (mergekit-multi's YAML documents with `name:`) through the built binary:
/// the output matches mergekit-multi 0.1.5's, `plan` shows the stages, problems are reported at
/// their line in the right document, and an interrupted merge resumes.
@Suite struct StageRecipeTests {
    static let cases = SourceFamily.conformance + "/stages"

    /// Goldens made by make_stage_goldens.py: two named stages feeding a slerp, a stage used as
    /// base_model (named after the final document), a bf16 stage feeding a float32 merge (the
    /// intermediate is rounded to bf16 as mergekit writes it: unrounded, the elements would
    /// differ by ~1e-3 relative), and stages that change the layer count.
    @Test(arguments: ["two_stages_slerp", "stage_as_base", "bf16_stage", "sliced_stages"])
    func applyMatchesMergekitMulti(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let run = try CommandLineTool.run(
            ["apply", Self.cases + "/\(name)/recipe.yaml", "-o", "out", "--no-copy-tokenizer", "-q"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let merged = try TinyCheckpoint.readAll(directory.path + "/out")
        let golden = try TinyCheckpoint.readAll(Self.cases + "/\(name)/out")
        #expect(!golden.isEmpty && merged.keys.sorted() == golden.keys.sorted())
        for (tensorName, expected) in golden {
            let actual = try #require(merged[tensorName], "\(tensorName)")
            #expect(actual.dtype == expected.dtype && actual.shape == expected.shape, "\(tensorName)")
            let largest = expected.values.reduce(Float(0)) { max($0, $1.magnitude) }
            expectClose(actual.values, expected.values, rtol: 1e-5, atol: 1e-6 * largest)
        }
        let config = try Self.json(directory.path + "/out/config.json")
        let goldenConfig = try Self.json(Self.cases + "/\(name)/out/config.json")
        #expect(config["num_hidden_layers"] as? Int == goldenConfig["num_hidden_layers"] as? Int)
    }

    @Test func planShowsEachStageAndTheOutput() throws {
        let recipe = Self.cases + "/two_stages_slerp/recipe.yaml"
        let text = try CommandLineTool.run(["plan", recipe])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("stages: 2, computed while the output is merged (a tensor when a later stage reads it), never written"))
        #expect(lines.contains("stage 'mix_ab' (line 1): 39 tensors in 4 layers, seed 0"), "\(text.stdout)")
        #expect(lines.contains("stage 'mix_bc' (line 9): 39 tensors in 4 layers, seed 0"))
        #expect(lines.contains("  method: ties"))
        #expect(lines.contains("output (line 18)"))
        #expect(lines.contains("model 0: mix_ab (base) → stage 'mix_ab'"))
        #expect(lines.contains("  model.embed_tokens.weight F32 [128, 64]  ← base mix_ab, mix_bc  t=0.2"))

        let json = try RecipeParityTests.planJSON([recipe])
        let stages = try #require(json["stages"] as? [[String: Any]])
        #expect(stages.map { $0["name"] as? String } == ["mix_ab", "mix_bc"])
        #expect(stages.map { $0["method"] as? String } == ["linear", "ties"])
        #expect(stages.map { ($0["tensors"] as? [Any])?.count } == [39, 39])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.map { $0["format"] as? String } == ["stage", "stage"])
        let tensors = try #require(json["tensors"] as? [[String: Any]])
        let inputs = try #require(tensors.first?["inputs"] as? [[String: Any]])
        #expect(inputs.map { $0["format"] as? String } == ["stage", "stage"])
        let validate = try CommandLineTool.run(["validate", recipe])
        #expect(validate.stdout.hasPrefix("\(recipe): ok — slerp, 2 stages (mix_ab: linear, mix_bc: ties), 2 models, 39 output tensors, 4 layers"), "\(validate.stdout)")
    }

    /// (recipe, where and what the error says)
    @Test(arguments: [
        ("name: a\nmerge_method: linear\nmodels: [{model: ./ft_a}]\nparameters: {weight: 1}\n---\nname: a\nmerge_method: passthrough\nmodels: [{model: ./ft_b}]\n---\nmerge_method: passthrough\nmodels: [{model: a}]\n",
         "recipe.yaml:6:7: error: stage name 'a' is already used by the document at line 1"),
        ("merge_method: linear\nmodels: [{model: ./ft_a}]\nparameters: {weight: 1}\n---\nmerge_method: passthrough\nmodels: [{model: ./ft_b}]\n",
         "recipe.yaml:5:15: error: a second document without name: (the first is at line 1)"),
        ("name: a\nmerge_method: passthrough\nmodels: [{model: b}]\n---\nname: b\nmerge_method: passthrough\nmodels: [{model: a}]\n---\nmerge_method: passthrough\nmodels: [{model: a}]\n",
         "error: stages read each other in a cycle: a → b → a"),
        ("name: a\nmerge_method: passthrough\nmodels: [{model: ./ft_a}]\n---\nname: b\nmerge_method: passthrough\nmodels: [{model: ./ft_b}]\n",
         "recipe.yaml:5:7: error: every document is named and 2 stages are read by no other ('a', 'b')"),
        ("name: a\nmerge_method: passthrough\nmodels: [{model: ./ft_a}]\n---\nmerge_method: linear\nmodels: [{model: a}, {model: ./missing}]\nparameters: {weight: 1}\n",
         "recipe.yaml:6:30: error: model directory './missing' does not exist"),
        ("name: a\nmerge_method: linear\nmodels: [{model: ./ft_b, parameters: {weight: x}}, {model: ./ft_a, parameters: {weight: 1}}]\n---\nmerge_method: passthrough\nmodels: [{model: a}]\n",
         "recipe.yaml:3:47: error: parameter 'weight' expects a number; found 'x'"),
        // Stages the output does not read are checked too: a cycle among them, a bad parameter,
        // a missing model (mergekit-multi would fail on each while writing the stages).
        ("name: a\nmerge_method: passthrough\nmodels: [{model: b}]\n---\nname: b\nmerge_method: passthrough\nmodels: [{model: a}]\n---\nmerge_method: passthrough\nmodels: [{model: ./ft_a}]\n",
         "recipe.yaml:7:18: error: stages read each other in a cycle: a → b → a"),
        ("name: a\nmerge_method: linear\nmodels: [{model: ./ft_a, parameters: {weight: x}}, {model: ./ft_b, parameters: {weight: 1}}]\n---\nmerge_method: passthrough\nmodels: [{model: ./ft_c}]\n",
         "recipe.yaml:3:47: error: parameter 'weight' expects a number; found 'x'"),
        ("name: a\nmerge_method: passthrough\nmodels: [{model: ./missing}]\n---\nname: b\nmerge_method: passthrough\nmodels: [{model: a}]\n---\nmerge_method: passthrough\nmodels: [{model: ./ft_c}]\n",
         "recipe.yaml:3:18: error: model directory './missing' does not exist"),
        ("name: a\nmerge_method: passthrough\nmodels: [{model: ./ft_a}]\n---\nmerge_method: passthrough\nmodels: [{model: a+./lora_plain}]\n",
         "recipe.yaml:6:18: error: stage 'a' cannot take a LoRA adapter ('a+./lora_plain'): adapters apply to a model folder, and a stage is computed, not read; write the stage first (apply --keep-intermediates DIR, or mergekit-multi -I DIR) and read 'DIR/a+./lora_plain' in a recipe of its own"),
    ])
    func aBadStageRecipeIsAnErrorAtItsLine(_ text: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        try text.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        for command in [["validate", "recipe.yaml"], ["plan", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"]] {
            let result = try CommandLineTool.run(command, in: directory.path)
            #expect(result.status == 65, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(command[0]): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// Every document named: the one stage no other reads is the output, and it writes what the
    /// same file with that stage unnamed writes. A stage the output does not read is a warning.
    @Test func theUnreadStageIsTheOutputWhenEveryDocumentIsNamed() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let stages = "name: soup\nmerge_method: linear\nmodels: [{model: ./ft_a}, {model: ./ft_b}]\nparameters: {weight: 1.0}\n---\n"
        let final = "merge_method: slerp\nbase_model: soup\nmodels: [{model: soup}, {model: ./ft_c}]\nparameters: {t: 0.4}\n"
        try (stages + "name: final\n" + final).write(toFile: directory.path + "/named.yaml", atomically: true, encoding: .utf8)
        try (stages + final + "---\nname: unused\nmerge_method: passthrough\nmodels: [{model: ./ft_a}]\n")
            .write(toFile: directory.path + "/unnamed.yaml", atomically: true, encoding: .utf8)
        let named = try CommandLineTool.run(["apply", "named.yaml", "-o", "named", "-q"], in: directory.path)
        #expect(named.status == 0, "\(named.stderr)")
        let unnamed = try CommandLineTool.run(["apply", "unnamed.yaml", "-o", "unnamed"], in: directory.path)
        #expect(unnamed.status == 0, "\(unnamed.stderr)")
        #expect(unnamed.stderr.contains("unnamed.yaml:11:7: warning: stage 'unused' is not read by the output's merge, so it is not computed"), "\(unnamed.stderr)")
        #expect(try ResumeTests.shardBytes(directory.path + "/named") == ResumeTests.shardBytes(directory.path + "/unnamed"))
        // The output's recipe record is the whole file, every stage included.
        let record = try String(contentsOfFile: directory.path + "/named/mergekit_config.yml", encoding: .utf8)
        #expect(record.contains("name: soup") && record.contains("name: final"))
        let card = try String(contentsOfFile: directory.path + "/named/README.md", encoding: .utf8)
        #expect(card.contains("Base model: `soup`, a stage: linear of `./ft_a`, `./ft_b`.\n"), "\(card)")
    }

    /// A stage's random method uses its own `seed:`, else --random-seed, else 0; a different
    /// seed in a stage changes the output.
    @Test func eachStageHasItsOwnSeed() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        func write(seed: Int) throws {
            try """
                name: sparse
                merge_method: dare_linear
                base_model: ./base
                models: [{model: ./ft_a, parameters: {weight: 1.0, density: 0.5}}]
                seed: \(seed)
                ---
                merge_method: linear
                models: [{model: sparse}, {model: ./ft_b}]
                parameters: {weight: 0.5}
                """.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        }
        try write(seed: 3)
        let json = try RecipeParityTests.planJSON(["recipe.yaml", "--random-seed", "9"], in: directory.path)
        #expect((json["stages"] as? [[String: Any]])?.first?["seed"] as? Int == 3)
        #expect(try CommandLineTool.run(["apply", "recipe.yaml", "-o", "three", "-q"], in: directory.path).status == 0)
        try write(seed: 4)
        #expect(try CommandLineTool.run(["apply", "recipe.yaml", "-o", "four", "-q"], in: directory.path).status == 0)
        #expect(try ResumeTests.shardBytes(directory.path + "/three") != ResumeTests.shardBytes(directory.path + "/four"))
    }

    /// An interrupted multi-stage merge resumes to the bytes of an uninterrupted one; the
    /// journal is trusted only for the same stages (a changed stage starts over).
    @Test func anInterruptedStageMergeResumes() throws {
        let directory = try TemporaryDirectory()
        _ = try ResumeTests.makeFamily(in: directory.path)
        let recipe = directory.path + "/stages.yaml"
        let text = """
            name: tuned
            merge_method: ties
            base_model: ./base
            models:
              - model: ./ft_a
                parameters: {weight: 1.0, density: 0.4}
              - model: ./ft_b
                parameters: {weight: 0.7, density: 0.4}
            ---
            merge_method: slerp
            base_model: ./base
            models: [{model: ./base}, {model: tuned}]
            parameters: {t: 0.6}
            """
        try text.write(toFile: recipe, atomically: true, encoding: .utf8)
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "-q"], in: directory.path).status == 0)
        let output = directory.path + "/out"
        _ = try ResumeTests.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 8, in: directory.path)
        try #require(FileManager.default.fileExists(atPath: output + ".partial"), "the run finished before it could be stopped")
        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed"), "\(resumed.stdout)")
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))

        _ = try ResumeTests.interrupt(recipe: recipe, output: directory.path + "/changed", signal: SIGKILL, afterTensors: 8, in: directory.path)
        try text.replacingOccurrences(of: "density: 0.4}\n  - model: ./ft_b", with: "density: 0.5}\n  - model: ./ft_b")
            .write(toFile: recipe, atomically: true, encoding: .utf8)
        let restarted = try CommandLineTool.run(["apply", recipe, "-o", directory.path + "/changed", "--resume"], in: directory.path)
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(!restarted.stdout.contains("resumed"), "a journal of other stages must not be trusted")
    }

    /// `--keep-intermediates DIR` writes each stage as the model its document alone makes; the
    /// output is the same as without it.
    @Test func keepIntermediatesWritesEachStage() throws {
        let directory = try TemporaryDirectory()
        let text = try String(contentsOfFile: Self.cases + "/two_stages_slerp/recipe.yaml", encoding: .utf8)
            .replacingOccurrences(of: "../../models/", with: SourceFamily.conformance + "/models/")
        try text.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let documents = text.components(separatedBy: "---\n")
        try documents[0].write(toFile: directory.path + "/mix_ab.yaml", atomically: true, encoding: .utf8)
        let kept = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out", "--keep-intermediates", "stages"], in: directory.path)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("wrote stage 'mix_ab' to "), "\(kept.stdout)")
        let alone = try CommandLineTool.run(["apply", "mix_ab.yaml", "-o", "alone", "-q"], in: directory.path)
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(try ResumeTests.shardBytes(directory.path + "/stages/mix_ab") == ResumeTests.shardBytes(directory.path + "/alone"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/stages/mix_bc/config.json"))
        let plain = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "plain", "-q"], in: directory.path)
        #expect(plain.status == 0)
        #expect(try ResumeTests.shardBytes(directory.path + "/plain") == ResumeTests.shardBytes(directory.path + "/out"))
        let again = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "again", "--keep-intermediates", "stages"], in: directory.path)
        #expect(again.status == 64, "an existing stage directory is refused without --force: \(again.stderr)")
    }

    /// Parts of a split merge compute the stage tensors their shards need; whole stage models
    /// (`--keep-intermediates`) cannot be split, so the two together are a usage error.
    @Test func keepIntermediatesIsRefusedInAPart() throws {
        let directory = try TemporaryDirectory()
        let run = try CommandLineTool.run(
            ["apply", Self.cases + "/two_stages_slerp/recipe.yaml", "-o", "out", "--part", "0/2", "--keep-intermediates", "stages"],
            in: directory.path)
        #expect(run.status == 64)
        #expect(run.stderr.contains("--keep-intermediates writes whole stage models and cannot be split into parts"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/stages"))
    }

    /// The binary linked as `mergekit-multi` takes mergekit-multi's command line: -I writes the
    /// stages, --out-path the output; --lazy keeps stages already written; without --out-path
    /// an unnamed final merge is a usage error, and a recipe whose documents are all named
    /// writes its output stage to DIR/<name>.
    @Test func linkedAsMergekitMulti() throws {
        let directory = try TemporaryDirectory()
        let link = directory.path + "/mergekit-multi"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: CommandLineTool.executable)
        let recipe = Self.cases + "/two_stages_slerp/recipe.yaml"
        let run = try CommandLineTool.run([recipe, "-I", "inter", "--out-path", "out", "--no-copy-tokenizer", "-q"], in: directory.path, tool: link)
        #expect(run.status == 0, "\(run.stderr)")
        let golden = try TinyCheckpoint.readAll(Self.cases + "/two_stages_slerp/out")
        #expect(try TinyCheckpoint.readAll(directory.path + "/out").keys.sorted() == golden.keys.sorted())
        #expect(FileManager.default.fileExists(atPath: directory.path + "/inter/mix_ab/model.safetensors"))
        let lazy = try CommandLineTool.run([recipe, "-I", "inter", "--out-path", "out2"], in: directory.path, tool: link)
        #expect(lazy.status == 0, "\(lazy.stderr)")
        #expect(lazy.stdout.contains("kept stage 'mix_ab' in "), "\(lazy.stdout)")
        let eager = try CommandLineTool.run([recipe, "-I", "inter", "--out-path", "out3", "--no-lazy", "-q"], in: directory.path, tool: link)
        #expect(eager.status == 0, "\(eager.stderr)")
        let missing = try CommandLineTool.run([recipe, "-I", "inter"], in: directory.path, tool: link)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--out-path is required when the recipe has an unnamed final merge"), "\(missing.stderr)")

        try String(contentsOfFile: recipe, encoding: .utf8).replacingOccurrences(of: "---\nmerge_method: slerp", with: "---\nname: final\nmerge_method: slerp")
            .replacingOccurrences(of: "../../models/", with: SourceFamily.conformance + "/models/")
            .write(toFile: directory.path + "/named.yaml", atomically: true, encoding: .utf8)
        let named = try CommandLineTool.run(["named.yaml", "-I", "all", "-q"], in: directory.path, tool: link)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try ResumeTests.shardBytes(directory.path + "/all/final") == ResumeTests.shardBytes(directory.path + "/out"))
    }

    /// main's `modules:` in a stage document and a stage as a slice's own `base_model`: the
    /// output is what the same merge writes over the stage written out (`--keep-intermediates`)
    /// and read back as a folder, and the `modules:` stage is the `models:` one.
    @Test func aModulesStageAsASlicesOwnBase() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let final = """
            merge_method: task_arithmetic
            base_model: ./base
            slices:
              - sources:
                  - {model: ./ft_c, layer_range: [0, 2], parameters: {weight: 0.7}}
                  - {model: ./base, layer_range: [0, 2]}
              - sources:
                  - {model: ./ft_c, layer_range: [2, 4], parameters: {weight: 0.6}}
                  - {model: soup, layer_range: [2, 4]}
                base_model: soup

            """
        let modulesStage = "name: soup\nmerge_method: linear\nmodules:\n  default:\n    models: [{model: ./ft_a}, {model: ./ft_b}]\nparameters: {weight: 0.5}\n---\n"
        let modelsStage = "name: soup\nmerge_method: linear\nmodels: [{model: ./ft_a}, {model: ./ft_b}]\nparameters: {weight: 0.5}\n---\n"
        try (modulesStage + final).write(toFile: directory.path + "/modules.yaml", atomically: true, encoding: .utf8)
        try (modelsStage + final).write(toFile: directory.path + "/models.yaml", atomically: true, encoding: .utf8)
        try final.replacingOccurrences(of: "soup", with: "./inter/soup").write(toFile: directory.path + "/single.yaml", atomically: true, encoding: .utf8)
        let staged = try CommandLineTool.run(["apply", "modules.yaml", "-o", "staged", "--keep-intermediates", "inter", "-q"], in: directory.path)
        #expect(staged.status == 0, "\(staged.stderr)")
        let single = try CommandLineTool.run(["apply", "single.yaml", "-o", "single", "-q"], in: directory.path)
        #expect(single.status == 0, "\(single.stderr)")
        let models = try CommandLineTool.run(["apply", "models.yaml", "-o", "models", "-q"], in: directory.path)
        #expect(models.status == 0, "\(models.stderr)")
        let bytes = try ResumeTests.shardBytes(directory.path + "/staged")
        let fromFolder = try ResumeTests.shardBytes(directory.path + "/single")
        let fromModelsStage = try ResumeTests.shardBytes(directory.path + "/models")
        #expect(!bytes.isEmpty && bytes == fromFolder)
        #expect(bytes == fromModelsStage)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }
}
