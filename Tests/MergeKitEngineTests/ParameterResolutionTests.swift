@testable import MergeKitEngine
import MergeKitTestSupport
import Testing

/// Gradients, filter lists and precedence, observed through `plan` on the conformance recipes.
@Suite struct ParameterResolutionTests {
    private func weights(_ plan: MergePlan, _ tensor: String) -> [Double] {
        let job = plan.jobs.first { $0.outputName == tensor }!
        return job.merge.inputs.compactMap { input -> Double? in
            guard case .number(let weight)? = input.parameters["weight"] else { return nil }
            return weight
        }
    }

    @Test func filterListsAndGradients() throws {
        // self_attn: base [0.2, 0.8], ft_a [0.8, 0.2] over 4 layers → t = 0, 1/3, 2/3, 1.
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("linear_nonorm_filters"))
        let expected: [(String, [Double])] = [
            ("model.layers.0.self_attn.q_proj.weight", [0.2, 0.8]),
            ("model.layers.1.self_attn.q_proj.weight", [0.4, 0.6]),
            ("model.layers.2.self_attn.k_proj.weight", [0.6, 0.4]),
            ("model.layers.3.self_attn.o_proj.weight", [0.8, 0.2]),
            ("model.layers.2.mlp.up_proj.weight", [0.5, 0.5]),
            ("model.layers.1.input_layernorm.weight", [0.6, 0.4]),
            ("model.embed_tokens.weight", [0.6, 0.4]),
            ("lm_head.weight", [0.6, 0.4]),
        ]
        for (tensor, values) in expected {
            let actual = weights(plan, tensor)
            #expect(zip(actual, values).allSatisfy { abs($0 - $1) < 1e-12 }, "\(tensor): \(actual)")
        }
        #expect(plan.jobs.first!.merge.parameters["normalize"] == .bool(false))
    }

    @Test func precedenceSourceOverTopLevel() throws {
        // task_arithmetic: ft_a weight [1.0, 0.5] (gradient), ft_c filter list with a default.
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("task_arithmetic"))
        // Layer 3 of 4 is t = 1: ft_a's gradient gives its last anchor; ft_c's mlp filter matches.
        #expect(weights(plan, "model.layers.3.mlp.up_proj.weight") == [0.5, 0.3, 0.2])
        #expect(weights(plan, "model.layers.0.self_attn.q_proj.weight") == [1.0, 0.3, -0.1])
        let job = plan.jobs.first { $0.outputName == "model.norm.weight" }!
        #expect(job.merge.parameters["lambda"] == .number(0.9))
        #expect(job.merge.inputs.last?.isBase == true)
    }

    /// mergekit takes one `{filter, value}` mapping where a list of them can be: it applies to
    /// the tensors it matches, and the others fall through to the next table (here: none, so the
    /// required weight is missing there).
    @Test func singleFilterMappingActsAsAOneEntryList() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.file("single.yaml")
        try """
            merge_method: task_arithmetic
            base_model: \(FixturePaths.model("base"))
            models:
              - model: \(FixturePaths.model("ft_a"))
                parameters:
                  weight: {filter: mlp, value: [0.2, 0.8]}
            parameters:
              weight: 0.5
              lambda: {value: 0.9}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let plan = try Planner.plan(recipeAt: recipe)
        #expect(weights(plan, "model.layers.0.mlp.up_proj.weight") == [0.2])
        #expect(weights(plan, "model.layers.3.mlp.up_proj.weight") == [0.8])
        #expect(weights(plan, "model.layers.3.self_attn.q_proj.weight") == [0.5])
        #expect(plan.jobs.first?.merge.parameters["lambda"] == .number(0.9))
    }

    @Test func gradientInterpolation() {
        #expect(ParameterResolver.interpolate([0, 0.5, 0.3, 0.7, 1], at: 0) == 0)
        #expect(abs(ParameterResolver.interpolate([0, 0.5, 0.3, 0.7, 1], at: 1.0 / 3) - (0.5 + (0.3 - 0.5) * (4.0 / 3 - 1))) < 1e-12)
        #expect(ParameterResolver.interpolate([0, 0.5, 0.3, 0.7, 1], at: 1) == 1)
        #expect(ParameterResolver.interpolate([0.7], at: 0.5) == 0.7)
    }
}
