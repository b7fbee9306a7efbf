import Foundation
import MergeKitEngine
import MergeKitRecipe
import MergeKitTestSupport

/// Runs a recipe through the whole engine (plan → execute → output directory) in-process.
enum MergeHarness {
    static func merge(
        recipe: String, into directory: TemporaryDirectory, options: PlanOptions = .init(), threads: Int = 2
    ) throws -> String {
        let plan = try Planner.plan(recipeAt: recipe, options: options)
        let output = directory.path + "/out"
        try MergeRunner(plan: plan, output: OutputDirectory(path: output), force: false, threads: threads).run(progress: nil)
        return output
    }

    /// The rendered diagnostics of a recipe that must fail planning.
    static func planningErrors(recipe: String, options: PlanOptions = .init()) -> String? {
        do {
            _ = try Planner.plan(recipeAt: recipe, options: options)
            return nil
        } catch {
            let text = (try? String(contentsOfFile: recipe, encoding: .utf8)) ?? ""
            return DiagnosticRenderer(sources: [recipe: text]).render(error.diagnostics)
        }
    }
}
