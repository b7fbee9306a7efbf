import Foundation
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// The table of docs/architectures.md without torch: every architecture × recipe (linear, ties,
/// two frankenmerges) through the built binary, on the committed transformers checkpoints
/// (Tests/MergeKitEngineTests/Fixtures/architectures), against `goldens.json`, which
/// verify_architectures.py records from the expected models it builds in torch and loads with
/// transformers. A refusal must exit 65 saying which layers cannot be stacked; an output must
/// have the expected config.json (every key, nested configs included), tensor count and names,
/// and in a frankenmerge every tensor from the expected model and layer.
@Suite struct ArchitectureMergeTests {
    static let fixtures = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/architectures"
    /// Keys a save rewrites whatever the merge (the dtype follows the output's tensors), at
    /// every level of config.json.
    static let ignoredConfigKeys: Set<String> = ["dtype", "torch_dtype", "transformers_version", "_name_or_path"]

    struct Case: Sendable, CustomTestStringConvertible {
        var architecture: String
        var recipe: String
        var golden: JSONValue
        var testDescription: String { "\(architecture) \(recipe)" }
    }

    static let goldens: JSONValue = {
        let data = FileManager.default.contents(atPath: fixtures + "/goldens.json") ?? Data()
        return (try? JSONParser.parse(Array(data))) ?? .null
    }()

    static let cases: [Case] = (goldens.objectValue ?? JSONObject()).flatMap { architecture in
        (architecture.value.objectValue ?? JSONObject()).map { Case(architecture: architecture.key, recipe: $0.key, golden: $0.value) }
    }

    @Test func everyFixtureHasItsFourRecipes() throws {
        let models = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures + "/models")
        #expect(Set(Self.cases.map(\.architecture)) == Set(models))
        #expect(Self.cases.count == 4 * models.count)
    }

    @Test(arguments: cases)
    func mergesAsExpected(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        let models = try Self.inputs(of: testCase.architecture, in: directory)
        let recipe = directory.file("recipe.yaml")
        try Self.recipe(testCase, models: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        let output = directory.file("out")
        let result = try CommandLineTool.run(["apply", recipe, "-o", output, "--quiet"])

        if testCase.golden["refusal"] == .bool(true) {
            #expect(result.status == 65, "\(result.stderr)")
            #expect(result.stderr.contains("error: cannot stack these layers: "), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output + "/model.safetensors"))
            return
        }
        try #require(result.status == 0, "\(result.stderr)")
        let configModel = testCase.recipe == "ties" ? "base" : "ft_a"
        try Self.checkConfig(output: output, input: try #require(models[configModel]), changes: testCase.golden["config"])

        let produced = try TinyCheckpoint.readAll(output)
        #expect(produced.count == testCase.golden["tensors"]?.intValue)
        let a = try TinyCheckpoint.readAll(try #require(models["ft_a"]))
        let b = try TinyCheckpoint.readAll(try #require(models["ft_b"]))
        if testCase.recipe.hasPrefix("passthrough") {
            let expected = try Self.frankenmerge(testCase.golden, a: a, b: b)
            #expect(Set(produced.keys) == Set(expected.keys))
            for (name, source) in expected {
                #expect(produced[name]?.shape == source.shape, "\(name)")
                #expect(produced[name]?.values == source.values, "\(name) should be \(source.name)")
            }
        } else {
            let reference = testCase.recipe == "ties" ? try TinyCheckpoint.readAll(try #require(models["base"])) : a
            let added = (testCase.golden["added"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(Set(produced.keys) == Set(reference.keys).union(added))
            for (name, tensor) in produced {
                #expect(tensor.shape == (reference[name] ?? b[name])?.shape, "\(name)")
                // Linear of tensors both inputs store: 0.6 a + 0.4 b.
                if testCase.recipe == "linear", let x = a[name], let y = b[name] {
                    let expected = zip(x.values, y.values).map { 0.6 * $0 + 0.4 * $1 }
                    let largest = zip(tensor.values, expected).map { abs($0 - $1) }.max() ?? 0
                    #expect(largest <= 1e-6 * max(1, expected.map(abs).max() ?? 0), "\(name)")
                }
            }
        }
    }

    /// `plan` shows the stacks of a vision-language model, which one slices apply to, where
    /// each output layer comes from and what config.json will say.
    @Test func planShowsTheStacks() throws {
        let directory = try TemporaryDirectory()
        let models = try Self.inputs(of: "qwen2_vl", in: directory)
        let testCase = try #require(Self.cases.first { $0.architecture == "qwen2_vl" && $0.recipe == "passthrough_reordered" })
        let recipe = directory.file("recipe.yaml")
        try Self.recipe(testCase, models: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["plan", recipe])
        try #require(result.status == 0, "\(result.stderr)")
        let a = try #require(models["ft_a"])
        let b = try #require(models["ft_b"])
        for line in [
            "  model.layers (text): counted by text_config.num_hidden_layers; layers: \(a) 4, \(b) 4; slices apply to it",
            "  visual.blocks (vision): counted by vision_config.depth; layers: \(a) 2, \(b) 2; taken whole from the first slice's models",
            "  2 ← \(b) layer 0",
            "after the stack (final norm, head): from \(b)",
            "  text_config.num_hidden_layers: 4 → 5  (the text stack's layer count)",
        ] {
            #expect(result.stdout.contains(line + "\n"), "\(line)")
        }
    }

    // MARK: - Inputs and recipes

    /// `base`, `ft_a` (the base itself) and `ft_b`: the committed one, else the base with every
    /// value changed (and the same config.json), so each output tensor shows which model it
    /// came from.
    static func inputs(of architecture: String, in directory: TemporaryDirectory) throws -> [String: String] {
        let base = fixtures + "/models/\(architecture)/base"
        let committed = fixtures + "/models/\(architecture)/ft_b"
        if FileManager.default.fileExists(atPath: committed + "/config.json") {
            return ["base": base, "ft_a": base, "ft_b": committed]
        }
        let other = directory.file("ft_b")
        let shifted = try TinyCheckpoint.readAll(base).values.sorted { $0.name < $1.name }.map { tensor in
            TensorData(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, values: tensor.values.map { 0.5 - $0 })
        }
        try TinyCheckpoint.write(shifted, to: other, config: try String(contentsOfFile: base + "/config.json", encoding: .utf8))
        return ["base": base, "ft_a": base, "ft_b": other]
    }

    /// The recipes of verify_architectures.py.
    static func recipe(_ testCase: Case, models: [String: String]) throws -> String {
        let path = { (name: String) in models[name] ?? name }
        switch testCase.recipe {
        case "linear":
            return """
                merge_method: linear
                dtype: float32
                models:
                  - model: \(path("ft_a"))
                    parameters: {weight: 0.6}
                  - model: \(path("ft_b"))
                    parameters: {weight: 0.4}

                """
        case "ties":
            return """
                merge_method: ties
                dtype: float32
                base_model: \(path("base"))
                models:
                  - model: \(path("ft_a"))
                    parameters: {weight: 0.6, density: 0.5}
                  - model: \(path("ft_b"))
                    parameters: {weight: 0.4, density: 0.7}

                """
        default:
            let slices = try #require(testCase.golden["slices"]?.arrayValue)
            var lines = ["merge_method: passthrough", "dtype: float32", "slices:"]
            for slice in slices {
                let model = try #require(slice.arrayValue?[0].stringValue)
                let start = try #require(slice.arrayValue?[1].intValue)
                let end = try #require(slice.arrayValue?[2].intValue)
                lines += ["  - sources:", "      - model: \(path(model))", "        layer_range: [\(start), \(end)]"]
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    // MARK: - Expectations

    /// Output tensor name → the input tensor it must equal: the text stack's layers from the
    /// golden's (model, layer) list, the golden's `last` tensors from ft_b (the last slice's
    /// model), every other tensor outside the stack from ft_a (the first slice's).
    static func frankenmerge(_ golden: JSONValue, a: [String: TensorData], b: [String: TensorData]) throws -> [String: TensorData] {
        let stack = try #require(golden["stack"]?.stringValue) + "."
        let layers = try #require(golden["layers"]?.arrayValue)
        let last = Set((golden["last"]?.arrayValue ?? []).compactMap(\.stringValue))
        let inStack = { (name: String) -> (layer: Int, suffix: String)? in
            guard name.hasPrefix(stack) else { return nil }
            let rest = name.dropFirst(stack.count)
            let number = rest.prefix { $0 != "." }
            guard let layer = Int(number) else { return nil }
            return (layer, String(rest.dropFirst(number.count)))
        }
        var expected: [String: TensorData] = [:]
        for (name, tensor) in a where inStack(name) == nil && !last.contains(name) { expected[name] = tensor }
        for name in last { expected[name] = try #require(b[name], "\(name) is not in ft_b") }
        for (output, source) in layers.enumerated() {
            let model = source.arrayValue?[0].stringValue == "ft_a" ? a : b
            let layer = try #require(source.arrayValue?[1].intValue)
            for (name, tensor) in model {
                guard let found = inStack(name), found.layer == layer else { continue }
                expected["\(stack)\(output)\(found.suffix)"] = tensor
            }
        }
        return expected
    }

    /// The output's config.json is the input's with exactly the golden's changes (dotted keys,
    /// nested configs included; null: the key is gone), the keys a save rewrites aside.
    static func checkConfig(output: String, input: String, changes: JSONValue?) throws {
        var expected = try flattened(config(at: input))
        for change in changes?.objectValue ?? JSONObject() {
            expected[change.key] = change.value.isNull ? nil : change.value
        }
        let produced = try flattened(config(at: output))
        let keys = Set(expected.keys).union(produced.keys).filter { key in
            !ignoredConfigKeys.contains(String(key.split(separator: ".").last ?? ""))
        }
        for key in keys.sorted() {
            #expect(produced[key] == expected[key], "config.json \(key)")
        }
    }

    static func config(at directory: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))))
    }

    /// Every value that is not an object, by its dotted key.
    static func flattened(_ value: JSONValue, at path: String = "") -> [String: JSONValue] {
        guard let object = value.objectValue else { return [path: value] }
        var found: [String: JSONValue] = [:]
        for entry in object {
            found.merge(flattened(entry.value, at: path.isEmpty ? entry.key : "\(path).\(entry.key)")) { first, _ in first }
        }
        return found
    }
}
