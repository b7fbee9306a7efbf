import Foundation
import MergeKitEngine
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// Recipe-level behaviour of the geometric methods on the conformance models: input-count
/// errors at the recipe line, one-layer slices, and --unsafe-truncate-embeddings.
@Suite struct GeometricPlanningTests {
    static let models = FixturePaths.conformance + "/models"

    static func write(_ body: String, in directory: TemporaryDirectory) throws -> String {
        let recipe = directory.file("recipe.yaml")
        try body.replacingOccurrences(of: "MODELS", with: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    struct CountCase: CustomTestStringConvertible, Sendable {
        var method: String
        var models: [String]
        var parameters: String
        var message: String
        var testDescription: String { method }
    }

    static let countCases = [
        CountCase(method: "slerp", models: ["base"], parameters: "{t: 0.5}",
                  message: "recipe.yaml:4:12: error: slerp needs the base and exactly 1 other model per tensor; this recipe gives 0 besides the base"),
        CountCase(method: "slerp", models: ["ft_a", "ft_b"], parameters: "{t: 0.5}",
                  message: "recipe.yaml:4:12: error: slerp needs the base and exactly 1 other model per tensor; this recipe gives 2 besides the base"),
        CountCase(method: "model_stock", models: ["ft_a"], parameters: "{}",
                  message: "recipe.yaml:4:12: error: model_stock needs the base and at least 2 other models per tensor; this recipe gives 1 besides the base"),
        CountCase(method: "nearswap", models: ["ft_a", "ft_b"], parameters: "{t: 0.001}",
                  message: "recipe.yaml:4:12: error: nearswap needs the base and exactly 1 other model per tensor; this recipe gives 2 besides the base"),
        CountCase(method: "arcee_fusion", models: ["base"], parameters: "{}",
                  message: "recipe.yaml:4:12: error: arcee_fusion needs the base and exactly 1 other model per tensor; this recipe gives 0 besides the base"),
        CountCase(method: "nuslerp", models: ["ft_a"], parameters: "{weight: 1}",
                  message: "recipe.yaml:1:15: error: nuslerp cannot merge 'model.embed_tokens.weight': nuslerp merges exactly 2 models besides the base (the base cannot be one of them); 1 are given"),
    ]

    @Test(arguments: countCases)
    func tooFewOrTooManyModelsIsARecipeError(_ testCase: CountCase) throws {
        let directory = try TemporaryDirectory()
        let entries = testCase.models.map { "  - model: MODELS/\($0)\n    parameters: \(testCase.parameters)" }.joined(separator: "\n")
        let recipe = try Self.write("merge_method: \(testCase.method)\nbase_model: MODELS/base\nmodels:\n\(entries)\n", in: directory)
        let errors = try #require(MergeHarness.planningErrors(recipe: recipe))
        #expect(errors.contains(testCase.message), "\(errors)")
    }

    /// A one-layer slice sits at gradient position t = 1, so a [0, 1] gradient gives the other
    /// model's layer unchanged (slerp at t = 1).
    @Test func slerpOnAOneLayerSliceTakesTheGradientsEnd() throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.write("""
            merge_method: slerp
            base_model: MODELS/base
            slices:
              - sources:
                  - model: MODELS/base
                    layer_range: [2, 3]
                  - model: MODELS/ft_a
                    layer_range: [2, 3]
            parameters:
              t: [0, 1]
            """, in: directory)
        let output = try MergeHarness.merge(recipe: recipe, into: directory)
        let merged = try TinyCheckpoint.readAll(output)
        let fineTune = try TinyCheckpoint.readAll(Self.models + "/ft_a")
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        let layer = try #require(merged["model.layers.0.mlp.up_proj.weight"])
        #expect(layer.values == fineTune["model.layers.2.mlp.up_proj.weight"]?.values)
        // Outside the layers t = 0: the base.
        #expect(merged["model.norm.weight"]?.values == base["model.norm.weight"]?.values)
    }

    static let vocabularyRecipe = """
        merge_method: linear
        models:
          - model: MODELS/base
            parameters: {weight: 0.5}
          - model: MODELS/ft_v136
            parameters: {weight: 0.5}
        """

    @Test func unsafeTruncateEmbeddingsCropsToTheCommonRows() throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.write(Self.vocabularyRecipe, in: directory)
        #expect(MergeHarness.planningErrors(recipe: recipe)?.contains("vocabulary sizes differ") == true)

        let options = PlanOptions(unsafeTruncateEmbeddings: true)
        let plan = try Planner.plan(recipeAt: recipe, options: options)
        let warnings = plan.warnings.map(\.message)
        #expect(warnings.contains { $0.hasPrefix("cropping 'lm_head.weight' to the 128 rows every model has (--unsafe-truncate-embeddings): '\(Self.models)/base' [128, 64], '\(Self.models)/ft_v136' [136, 64]") })
        #expect(warnings.contains { $0.hasPrefix("cropping 'model.embed_tokens.weight' to the 128 rows") })

        let output = try MergeHarness.merge(recipe: recipe, into: directory, options: options)
        let merged = try TinyCheckpoint.readAll(output)
        let base = try TinyCheckpoint.readAll(Self.models + "/base")
        let wide = try TinyCheckpoint.readAll(Self.models + "/ft_v136")
        for name in ["model.embed_tokens.weight", "lm_head.weight", "model.layers.1.self_attn.q_proj.weight"] {
            let tensor = try #require(merged[name])
            let b = try #require(base[name])
            let w = try #require(wide[name])
            #expect(tensor.shape == b.shape, "\(name)")
            // A linear merge of the leading rows (row-major: the first 128·64 values).
            let expected = b.values.indices.map { Float(0.5 * Double(b.values[$0]) + 0.5 * Double(w.values[$0])) }
            #expect(tensor.values == expected, "\(name)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/config.json"))) as? [String: Any]
        #expect(config?["vocab_size"] as? Int == 128)
    }

    /// Cropping a model whose config names the larger vocabulary updates vocab_size.
    @Test func croppedVocabularyUpdatesTheConfig() throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.write(Self.vocabularyRecipe.replacingOccurrences(of: "MODELS/base", with: "MODELS/BASE")
            .replacingOccurrences(of: "MODELS/ft_v136", with: "MODELS/base").replacingOccurrences(of: "MODELS/BASE", with: "MODELS/ft_v136"),
            in: directory)
        let plan = try Planner.plan(recipeAt: recipe, options: PlanOptions(unsafeTruncateEmbeddings: true))
        #expect(plan.outputConfig["vocab_size"] == .number("128"))
        #expect(plan.jobs.first { $0.outputName == "lm_head.weight" }?.shape == [128, 64])
    }
}
