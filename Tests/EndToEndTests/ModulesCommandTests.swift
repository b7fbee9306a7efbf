import Foundation
import MergeKitTestSupport
import Testing

/// mergekit's `modules:` and a slice's own `base_model` / `residual_weight`, through the binary:
/// outputs equal to mergekit 0.1.5's (the goldens in MergeKitEngineTests' conformance fixtures,
/// made by `make_module_goldens.py`), `plan` naming the module, and located errors for module
/// names the model does not have.
@Suite struct ModulesCommandTests {
    static let conformance = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/conformance"
    static let gemma3Multimodal = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/architectures/models/gemma3_multimodal/base"

    @Test(arguments: ["modules_linear", "modules_passthrough", "slice_base_task_arithmetic"])
    func matchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let result = try CommandLineTool.run(["apply", "recipe.yaml", output, "--quiet"], in: Self.conformance + "/" + name)
        #expect(result.status == 0, "\(result.stderr)")
        let golden = try TinyCheckpoint.readAll(Self.conformance + "/" + name + "/out")
        let produced = try TinyCheckpoint.readAll(output)
        #expect(Set(produced.keys) == Set(golden.keys))
        for (tensorName, expected) in golden {
            let actual = try #require(produced[tensorName])
            #expect(actual.shape == expected.shape, "\(tensorName)")
            // float32 through another evaluation order: relative 1e-5, with a floor at 1e-6 of the largest value.
            let floor = 1e-6 * Double(expected.values.map(abs).max() ?? 0)
            let worst = zip(actual.values, expected.values).map { Double(abs($0 - $1)) - 1e-5 * Double(abs($1)) - floor }.max() ?? 0
            #expect(worst <= 0, "\(tensorName) differs from mergekit's")
        }
        let layers = { (path: String) throws -> Int? in
            let data = try Data(contentsOf: URL(fileURLWithPath: path + "/config.json"))
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["num_hidden_layers"] as? Int
        }
        #expect(try layers(output) == (try layers(Self.conformance + "/" + name + "/out")))
    }

    @Test func planNamesTheModuleAndWarnsAboutResidualWeight() throws {
        let modules = try CommandLineTool.run(["plan", "recipe.yaml"], in: Self.conformance + "/modules_linear")
        #expect(modules.status == 0, "\(modules.stderr)")
        #expect(modules.stdout.contains("\nmodule: default (modules:; every stack of the model)\n"), "\(modules.stdout)")
        let residual = try CommandLineTool.run(["plan", "recipe.yaml"], in: Self.conformance + "/slice_base_task_arithmetic")
        #expect(residual.status == 0)
        #expect(residual.stderr.contains(
            "recipe.yaml:17:5: warning: residual_weight has no effect: mergekit 0.1.5 reads it and never uses it, and neither does mergekit-swift"),
            "\(residual.stderr)")
    }

    @Test func aModuleTheModelDoesNotHaveIsALocatedError() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.path + "/recipe.yaml"
        try """
            merge_method: linear
            modules:
              text_decoder:
                models: [\(Self.conformance)/models/ft_a, \(Self.conformance)/models/ft_b]
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["validate", recipe])
        #expect(result.status == 65)
        #expect(result.stderr.contains("recipe.yaml:3:3: error: model '\(Self.conformance)/models/ft_a' has no module 'text_decoder'; its modules are: default"),
                "\(result.stderr)")
    }

    /// A model with several stacks lists mergekit's names for them (MultiStackModulesCommandTests
    /// merges them).
    @Test func modulesOfAMultimodalModel() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.path + "/recipe.yaml"
        try """
            merge_method: linear
            modules:
              text_decoder:
                models: [\(Self.gemma3Multimodal)]
              vision:
                models: [\(Self.gemma3Multimodal)]
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let wrongName = try CommandLineTool.run(["validate", recipe])
        #expect(wrongName.status == 65)
        #expect(wrongName.stderr.contains(
            "recipe.yaml:5:3: error: model '\(Self.gemma3Multimodal)' has no module 'vision'; its modules are: text_decoder, vision_tower, multi_modal_projector\n"),
            "\(wrongName.stderr)")
    }

    /// Every slice naming its own base satisfies a method that needs one.
    @Test func everySliceMayNameItsOwnBase() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.path + "/recipe.yaml"
        let models = Self.conformance + "/models"
        try """
            merge_method: task_arithmetic
            slices:
              - sources: [{model: \(models)/ft_a, parameters: {weight: 0.5}}, {model: \(models)/base}]
                base_model: \(models)/base
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["plan", recipe, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tensors = try #require(json["tensors"] as? [[String: Any]])
        let inputs = try #require(tensors.first?["inputs"] as? [[String: Any]])
        #expect(inputs.contains { $0["model"] as? String == "\(models)/base" && $0["base"] as? Bool == true }, "\(inputs)")
    }
}
