import Foundation
@testable import MergeKitEngine
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// Parameter values checked against the methods' keys, reported at the recipe line and column:
/// choice words, ranges, the drop_rate alias. Also what the checked values resolve to.
@Suite struct RecipeCheckerTests {
    static let models = FixturePaths.conformance + "/models"

    /// The rendered planning errors of `body` (MODELS stands for the models folder), as bad.yaml.
    static func errors(_ body: String) throws -> String {
        let directory = try TemporaryDirectory()
        let recipe = directory.file("bad.yaml")
        try body.replacingOccurrences(of: "MODELS", with: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        return try #require(MergeHarness.planningErrors(recipe: recipe))
    }

    static func plan(_ body: String) throws -> MergePlan {
        let directory = try TemporaryDirectory()
        let recipe = directory.file("recipe.yaml")
        try body.replacingOccurrences(of: "MODELS", with: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        return try Planner.plan(recipeAt: recipe)
    }

    static let dareTies = """
        merge_method: dare_ties
        base_model: MODELS/base
        models:
          - model: MODELS/ft_a
            parameters: {weight: 1, density: 0.5}
        parameters:
        """

    struct ChoiceCase: Sendable, CustomTestStringConvertible {
        var line: String
        var message: String
        var testDescription: String { line }
    }

    /// A wrong word is an error at the word naming the accepted ones, never a default.
    @Test(arguments: [
        ChoiceCase(line: "  rescale: l2", message: "bad.yaml:7:12: error: parameter 'rescale' expects one of inverse_density | l1 | none | true | false; found 'l2'"),
        ChoiceCase(line: "  sign_method: foo", message: "bad.yaml:7:16: error: parameter 'sign_method' expects one of sum | count; found 'foo'"),
        ChoiceCase(line: "  consensus_on: [weighted, everyone]", message: "bad.yaml:7:28: error: parameter 'consensus_on' expects one of weighted | unweighted; found 'everyone'"),
        ChoiceCase(line: "  mask_strategy: true", message: "bad.yaml:7:18: error: parameter 'mask_strategy' expects one of random | magnitude; found 'true'"),
        ChoiceCase(line: "  disjoint_mean: [{filter: mlp, value: all}]", message: "bad.yaml:7:40: error: parameter 'disjoint_mean' expects one of weight | count; found 'all'"),
    ])
    func wrongChoiceWordIsALocatedError(_ testCase: ChoiceCase) throws {
        let errors = try Self.errors(Self.dareTies + "\n" + testCase.line + "\n")
        #expect(errors.contains(testCase.message), "\(errors)")
    }

    struct RangeCase: Sendable, CustomTestStringConvertible {
        var parameters: String
        var message: String
        var testDescription: String { parameters }
    }

    @Test(arguments: [
        RangeCase(parameters: "{weight: 1, density: 1.5}", message: "bad.yaml:5:38: error: parameter 'density' must be a number in [0, 1]; found 1.5"),
        RangeCase(parameters: "{weight: 1, drop_rate: -0.1}", message: "bad.yaml:5:40: error: parameter 'drop_rate' must be a number in [0, 1]; found -0.1"),
        RangeCase(parameters: "{weight: 1, density: [0.5, 2]}", message: "bad.yaml:5:44: error: parameter 'density' must be a number in [0, 1]; found 2"),
        RangeCase(parameters: "{weight: x1}", message: "bad.yaml:5:26: error: parameter 'weight' expects a number; found 'x1'"),
        RangeCase(parameters: "{weight: 1, density: 0.5, drop_rate: 0.5}", message: "bad.yaml:5:43: error: both 'density' and 'drop_rate' are set; drop_rate means 1 − density, so give one"),
    ])
    func outOfRangeAndMistypedValuesAreLocatedErrors(_ testCase: RangeCase) throws {
        let recipe = Self.dareTies.replacingOccurrences(of: "{weight: 1, density: 0.5}", with: testCase.parameters)
        let errors = try Self.errors(recipe + "\n  lambda: 1\n")
        #expect(errors.contains(testCase.message), "\(errors)")
    }

    /// drop_rate: p is density 1 − p, taken after the gradient is interpolated.
    @Test func dropRateResolvesToTheComplement() throws {
        let plan = try Self.plan(Self.dareTies.replacingOccurrences(of: "density: 0.5", with: "drop_rate: [0.1, 0.4, 0.7, 0.9]"))
        for (layer, rate) in [0.1, 0.4, 0.7, 0.9].enumerated() {
            let job = try #require(plan.jobs.first { $0.outputName == "model.layers.\(layer).mlp.up_proj.weight" })
            let density = try #require(job.merge.inputs.first { !$0.isBase }?.parameters["density"])
            guard case .number(let value) = density else { Issue.record("density is \(density)"); continue }
            #expect(abs(value - (1 - rate)) < 1e-12, "layer \(layer): \(value)")
        }
    }

    /// `rescale: true` plans as written (the plan shows it) and merges as mergekit's l1; the plan
    /// says so once, under the method.
    @Test func rescaleBooleansKeepTheirSpellingAndMeaning() throws {
        let plan = try Self.plan(Self.dareTies + "\n  rescale: yes\n")
        let job = try #require(plan.jobs.first)
        #expect(job.merge.parameters["rescale"] == .string("true"))
        #expect(try job.merge.value(GeneralizedTaskArithmetic.Keys.rescale) == .l1)
        let text = PlanReport(plan: plan, workers: 1).text
        #expect(text.contains("  rescale=true  "))
        #expect(text.contains("method: dare_ties\n  rescale: true (= l1) — kept entries × |τ|₁/|τ ⊙ mask|₁ per tensor and model, mergekit's rescale\n"))
        let plain = PlanReport(plan: try Self.plan(Self.dareTies), workers: 1)
        #expect(plain.rules.map(\.text) == ["inverse_density — kept entries × 1/density (DELLA: 1/pⱼ per entry), the paper's exact rescale"])
    }

    /// A required parameter that a filter list leaves unset for some tensors is reported once
    /// per model, at the model.
    @Test func filterListLeavingARequiredParameterUnsetIsReportedOnce() throws {
        let errors = try Self.errors("""
            merge_method: linear
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1}
              - model: MODELS/ft_b
                parameters: {weight: [{filter: mlp, value: 1}]}
            """)
        let message = "bad.yaml:5:12: error: missing required parameter 'weight' for model '\(Self.models)/ft_b' (linear)"
        #expect(errors.components(separatedBy: message).count == 2, "\(errors)")
    }
}
