import Foundation
import MergeKitTestSupport
import Testing

/// LoRA adapters (`model+adapter`) and PyTorch .bin models through every command of the built
/// binary: validate and plan say where each input comes from, apply merges them (a .bin model
/// gives the same bytes as its safetensors twin), inspect accepts them, and inputs stay as they
/// were.
@Suite struct WeightSourceTests {
    @Test func validateNamesEachModelsFormat() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let recipe = try SourceFamily.writeRecipe(in: directory.path)
        let result = try CommandLineTool.run(["validate", recipe], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("ok — ties, 4 models, 39 output tensors, 4 layers") == true, "\(result.stdout)")
        let adapter = FileSystemPath.resolved(directory.path) + "/lora_modules_to_save"
        #expect(lines.contains(
            "  model './base+./lora_modules_to_save': model.safetensors; adapter \(adapter): 8 LoRA modules (r 4, alpha 16, scale 4), 1 replaced tensor"),
            "\(result.stdout)")
        #expect(lines.contains("  model './ft_b_bin': pytorch_model.bin"), "\(result.stdout)")
        #expect(lines.contains("  model './ft_c_bin': pytorch_model.bin, 2 shards"), "\(result.stdout)")
        #expect(lines.count == 4, "safetensors models get no line: \(result.stdout)")
    }

    @Test func planMarksAdaptedReplacedAndStridedInputs() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let recipe = try SourceFamily.writeRecipe(in: directory.path)
        let text = try CommandLineTool.run(["plan", recipe], in: directory.path)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("model.layers.0.self_attn.o_proj.weight F32 [64, 64]  ← ./base+./lora_modules_to_save (LoRA r4 s4), ./ft_b_bin, ./ft_c_bin, base ./base"), "\(text.stdout)")
        #expect(text.stdout.contains("lm_head.weight F32 [128, 64]  ← ./base+./lora_modules_to_save (from adapter), ./ft_b_bin (strided), ./ft_c_bin, base ./base"), "\(text.stdout)")
        #expect(text.stdout.contains("(pytorch_model.bin, 2 shards)"), "\(text.stdout)")

        let json = try CommandLineTool.run(["plan", recipe, "--json"], in: directory.path)
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let models = try #require(root["models"] as? [[String: Any]])
        #expect(models.map { $0["format"] as? String } == ["safetensors", "safetensors", "pytorch", "pytorch"])
        #expect(models.map { $0["shards"] as? Int } == [1, 1, 1, 2])
        let adapter = try #require(models[1]["adapter"] as? [String: Any])
        #expect(adapter["modules"] as? Int == 8)
        #expect(adapter["replaced_tensors"] as? [String] == ["lm_head.weight"])
        let tensors = try #require(root["tensors"] as? [[String: Any]])
        func inputs(of name: String) throws -> [[String: Any]] {
            let tensor = try #require(tensors.first { $0["name"] as? String == name })
            return try #require(tensor["inputs"] as? [[String: Any]])
        }
        let oProj = try inputs(of: "model.layers.0.self_attn.o_proj.weight")
        #expect(oProj.map { $0["format"] as? String } == ["lora", "pytorch", "pytorch", "safetensors"])
        let lora = try #require(oProj[0]["lora"] as? [String: Any])
        #expect(lora["rank"] as? Int == 4)
        #expect(lora["scale"] as? Int == 4)
        let head = try inputs(of: "lm_head.weight")
        #expect(head[0]["from_adapter"] as? Bool == true)
        #expect(head[1]["strided"] as? Bool == true)
    }

    /// A .bin model (one file with a shared storage and a transposed view; two shards) merges to
    /// the same bytes as its safetensors twin, and no input changes.
    @Test func applyReadsBinModelsExactly() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let inputs = try SourceFamily.snapshot(directory.path)
        let recipe = try SourceFamily.writeRecipe(in: directory.path)
        let twinRecipe = try SourceFamily.writeRecipe(in: directory.path, file: "twins.yaml", twins: true)
        let run = try CommandLineTool.run(["apply", recipe, "-o", "out"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let twins = try CommandLineTool.run(["apply", twinRecipe, "-o", "twins"], in: directory.path)
        #expect(twins.status == 0, "\(twins.stderr)")
        #expect(try ResumeTests.shardBytes(directory.path + "/out") == ResumeTests.shardBytes(directory.path + "/twins"))
        let after = try SourceFamily.snapshot(directory.path).filter { !$0.key.hasPrefix("out/") && !$0.key.hasPrefix("twins/") }
        #expect(after.filter { $0.key != "recipe.yaml" && $0.key != "twins.yaml" } == inputs)
        // The config and tokenizer come from the base, not the adapter.
        #expect(FileManager.default.fileExists(atPath: directory.path + "/out/tokenizer.json"))
    }

    /// The built binary on the conformance cases made with mergekit 0.1.5 (make_sources.py):
    /// LoRA adapters and .bin models give mergekit's tensors, within the conformance tolerance
    /// (float32: 1e-5 relative + 1e-6 of the tensor's largest value; bf16: 1 ulp).
    @Test(arguments: ["lora_linear", "lora_ties", "lora_embedding", "bin_linear", "bin_ties", "bin_bf16"])
    func applyMatchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let run = try CommandLineTool.run(
            ["apply", SourceFamily.conformance + "/\(name)/recipe.yaml", "-o", "out", "--no-copy-tokenizer", "-q"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let merged = try TinyCheckpoint.readAll(directory.path + "/out")
        let golden = try TinyCheckpoint.readAll(SourceFamily.conformance + "/\(name)/out")
        #expect(!golden.isEmpty && merged.keys.sorted() == golden.keys.sorted())
        for (tensorName, expected) in golden {
            let actual = try #require(merged[tensorName], "\(tensorName)")
            #expect(actual.dtype == expected.dtype && actual.shape == expected.shape, "\(tensorName)")
            let largest = expected.values.reduce(Float(0)) { max($0, $1.magnitude) }
            let bf16 = expected.dtype == .bf16
            expectClose(actual.values, expected.values, rtol: bf16 ? 1.0 / 128 : 1e-5, atol: 1e-6 * largest)
        }
    }

    @Test func inspectAcceptsAdaptersAndBinModels() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let result = try CommandLineTool.run(
            ["inspect", "--base", "./base", "./ft_b_bin", "./ft_b", "./base+./lora_modules_to_save", "--json"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let models = try #require(root["models"] as? [[String: Any]])
        #expect(models.count == 3)
        func withoutName(_ report: [String: Any]) -> NSDictionary {
            NSDictionary(dictionary: report.filter { $0.key != "model" })
        }
        #expect(withoutName(models[0]) == withoutName(models[1]), "a .bin twin reads as its safetensors original")
        #expect(withoutName(models[2]) != withoutName(models[0]))
        let adapted = try CommandLineTool.run(["inspect", "--base", "./base+./lora_plain", "./ft_a"], in: directory.path)
        #expect(adapted.status == 0, "\(adapted.stderr)")
    }

    /// The whole reference is tried as a directory first, so a model folder named with a '+'
    /// stays a plain model.
    @Test func aDirectoryNamedWithAPlusIsAPlainModel() throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        try FileManager.default.copyItem(atPath: directory.path + "/ft_a", toPath: directory.path + "/ft+a")
        let recipe = try SourceFamily.writeRecipe(in: directory.path, model: "./ft+a")
        let result = try CommandLineTool.run(["validate", recipe], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result.stdout)")
    }

    /// (reference, what the error says)
    @Test(arguments: [
        ("./base+./nowhere", "LoRA adapter directory './nowhere' of './base+./nowhere' does not exist"),
        ("./nowhere+./lora_plain", "model directory './nowhere' of './nowhere+./lora_plain' does not exist"),
        ("./base+./lora_plain+./lora_plain", "model reference './base+./lora_plain+./lora_plain' has more than one '+'"),
        ("./base+", "model reference './base+' has nothing after its '+'"),
        ("./base+./ft_a", "no adapter_config.json"),
        ("./base+./recipe.yaml", "not a LoRA adapter directory"),
    ])
    func aBadReferenceIsAnErrorAtItsLine(_ reference: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        try SourceFamily.copy(into: directory.path)
        let recipe = try SourceFamily.writeRecipe(in: directory.path, model: reference)
        for command in [["validate", recipe], ["apply", recipe, "-o", "out"]] {
            let result = try CommandLineTool.run(command, in: directory.path)
            #expect(result.status == 65, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("recipe.yaml:5:12: error:"), "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }
}

/// Real paths as the engine prints them (the temporary folder may sit behind a symbolic link).
enum FileSystemPath {
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
