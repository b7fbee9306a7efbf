import Foundation
import MergeKitTestSupport
import Testing

/// A model reference that points nowhere is one problem, reported once at the place the recipe
/// first names it, however many parts of planning open it (the base is also the model
/// `modules:` are checked against).
@Suite struct MissingModelCommandTests {
    static let models = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/conformance/models"

    /// (recipe, the errors expected, each exactly once)
    @Test(arguments: [
        ("""
            merge_method: task_arithmetic
            base_model: ./nope
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1}
            """, ["recipe.yaml:2:13: error: model directory './nope' does not exist"]),
        ("""
            merge_method: task_arithmetic
            base_model: MODELS/base
            models:
              - model: ./gone
                parameters: {weight: 1}
              - model: MODELS/ft_a
                parameters: {weight: 1}
            """, ["recipe.yaml:4:12: error: model directory './gone' does not exist"]),
        ("""
            merge_method: ties
            base_model: ./nope
            slices:
              - sources:
                  - model: ./nope
                    layer_range: [0, 2]
                  - model: ./gone
                    layer_range: [0, 2]
                    parameters: {weight: 1}
            """, ["recipe.yaml:2:13: error: model directory './nope' does not exist",
                  "recipe.yaml:7:16: error: model directory './gone' does not exist"]),
        ("""
            name: soup
            merge_method: ties
            base_model: ./nope
            models:
              - model: MODELS/ft_a
                parameters: {weight: 1.0, density: 0.5}
            ---
            merge_method: slerp
            base_model: MODELS/base
            models:
              - model: MODELS/base
              - model: soup
            parameters:
              t: 0.5
            """, ["recipe.yaml:3:13: error: model directory './nope' does not exist"]),
    ])
    func isReportedOnce(_ recipe: String, _ errors: [String]) throws {
        let directory = try TemporaryDirectory()
        try recipe.replacingOccurrences(of: "MODELS", with: Self.models)
            .write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["validate", "recipe.yaml"], in: directory.path)
        #expect(result.status == 65)
        for error in errors {
            #expect(result.stderr.components(separatedBy: error).count == 2, "\(error) not reported once: \(result.stderr)")
        }
        let total = errors.count == 1 ? "error: 1 error; nothing was written" : "error: \(errors.count) errors; nothing was written"
        #expect(result.stderr.contains(total), "\(result.stderr)")
    }
}
