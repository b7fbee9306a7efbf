import Foundation
import MergeKitTestSupport
import Testing

/// A tensor no model besides the base gives, through the binary: under the task-arithmetic
/// family, sce and ram it is the base (mergekit 0.1.5's `merge_group` returns the base; goldens
/// made by `make_base_alone_goldens.py`), `plan` shows it copied from the base, and the methods
/// mergekit refuses it for keep their located error. The tensors after the layers read as many
/// of the last slice's sources as the first slice has, as mergekit pairs them.
@Suite struct BaseAloneCommandTests {
    static let conformance = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/conformance"
    static let models = conformance + "/models"

    @Test(arguments: ["base_alone_ties_slices", "base_alone_task_arithmetic", "base_alone_sce_slices"])
    func matchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let result = try CommandLineTool.run(["apply", "recipe.yaml", output, "--quiet"], in: Self.conformance + "/" + name)
        #expect(result.status == 0, "\(result.stderr)")
        let golden = try TinyCheckpoint.readAll(Self.conformance + "/" + name + "/out")
        let produced = try TinyCheckpoint.readAll(output)
        #expect(Set(produced.keys) == Set(golden.keys))
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        for (tensorName, expected) in golden {
            let actual = try #require(produced[tensorName])
            #expect(actual.shape == expected.shape, "\(tensorName)")
            // Where mergekit returned the base, the bytes are the base's.
            if expected.values == base[tensorName]?.values {
                #expect(actual.values == expected.values, "\(tensorName) is not the base")
                continue
            }
            // float32 through another evaluation order: relative 1e-5, with a floor at 1e-6 of the largest value.
            let floor = 1e-6 * Double(expected.values.map(abs).max() ?? 0)
            let worst = zip(actual.values, expected.values).map { Double(abs($0 - $1)) - 1e-5 * Double(abs($1)) - floor }.max() ?? 0
            #expect(worst <= 0, "\(tensorName) differs from mergekit's")
        }
    }

    @Test func planShowsBaseAloneTensorsCopiedFromTheBase() throws {
        let result = try CommandLineTool.run(["plan", "recipe.yaml"], in: Self.conformance + "/base_alone_ties_slices")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  model.layers.0.mlp.up_proj.weight F32 [128, 64]  ← base ../models/base  copy\n"), "\(result.stdout)")
        let merged = try #require(result.stdout.split(separator: "\n").first { $0.contains("model.layers.2.mlp.up_proj.weight") })
        #expect(merged.contains("← base ../models/base, ../models/ft_a, ../models/ft_b  density=") && !merged.contains("copy"), "\(merged)")
        // mergekit reads as many of the last slice's sources as the first slice has: the base alone.
        #expect(result.stdout.contains("after the stack (final norm, head): from ../models/base\n"), "\(result.stdout)")
        #expect(result.stdout.contains("  model.norm.weight F32 [64]  ← base ../models/base  copy\n"), "\(result.stdout)")
    }

    /// Converted to the output dtype as any copied tensor is: bf16 rounding of the base.
    @Test func aBaseAloneTensorTakesTheOutputDType() throws {
        let directory = try TemporaryDirectory()
        try """
            merge_method: task_arithmetic
            base_model: \(Self.models)/base
            models:
              - model: \(Self.models)/base
            out_dtype: bfloat16
            """.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "out", "--quiet"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let produced = try TinyCheckpoint.readAll(directory.path + "/out")
        let rounded = try TinyCheckpoint.readAll(Self.models + "/base_bf16")
        #expect(produced.count == rounded.count)
        for (tensorName, expected) in rounded {
            let actual = try #require(produced[tensorName])
            #expect(actual.dtype == .bf16 && actual.values == expected.values, "\(tensorName)")
        }
    }

    /// (method, parameters, the error) for methods mergekit refuses a base-only tensor for.
    @Test(arguments: [
        ("model_stock", "{}", "model_stock needs the base and at least 2 other models per tensor; this recipe gives 0 besides the base"),
        ("slerp", "{}", "slerp needs the base and exactly 1 other model per tensor; this recipe gives 0 besides the base"),
        ("nearswap", "{}", "nearswap needs the base and exactly 1 other model per tensor; this recipe gives 0 besides the base"),
        ("arcee_fusion", "{}", "arcee_fusion needs the base and exactly 1 other model per tensor; this recipe gives 0 besides the base"),
        ("nuslerp", "{weight: 1}", "nuslerp needs at least 2 models per tensor; this recipe gives 1"),
        ("dare", "{}", "dare needs the base and exactly 1 other model per tensor; this recipe gives 0 besides the base"),
    ])
    func methodsMergekitRefusesItForKeepTheError(_ method: String, _ parameters: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        try """
            merge_method: \(method)
            base_model: \(Self.models)/base
            models:
              - model: \(Self.models)/base
                parameters: \(parameters)
            parameters: {t: 0.5}
            """.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["validate", "recipe.yaml"], in: directory.path)
        #expect(result.status == 65)
        #expect(result.stderr.contains("recipe.yaml:4:12: error: " + message), "\(result.stderr)")
    }
}
