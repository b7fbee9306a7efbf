import Foundation
public import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTensor
import MergeKitYAML

/// Turns a recipe into a `MergePlan`, reading model headers but no weights. Every problem it can
/// find (recipe, files, layer ranges, tensor names, shapes, dtypes, parameters) is collected and
/// reported together, positioned at the recipe line it concerns.
public enum Planner {
    /// Reads, decodes, checks and plans the recipe at `path`.
    public static func plan(recipeAt path: String, options: PlanOptions = .init()) throws(RecipeError) -> MergePlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecipeError([.error("cannot read the recipe file", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        let decoded = try RecipeDecoder.decode(utf8: [UInt8](data), file: path)
        guard let recipe = decoded.recipes.first else {
            throw RecipeError([.error("the recipe is empty", at: SourceLocation(file: path, line: 1, column: 1))] + decoded.warnings)
        }
        if decoded.recipes.count > 1 {
            throw RecipeError(decoded.warnings + [.error(
                "multi-document recipes (several merges in one file) are not supported yet",
                at: decoded.recipes[1].mergeMethod.location)])
        }
        return try plan(recipe, warnings: decoded.warnings, options: options)
    }

    public static func plan(_ recipe: Recipe, warnings: [Diagnostic] = [], options: PlanOptions = .init()) throws(RecipeError) -> MergePlan {
        var builder = PlanBuilder(recipe: recipe, options: options)
        builder.diagnostics = warnings
        let plan = builder.build()
        var diagnostics = builder.diagnostics
        if options.strict {
            diagnostics = diagnostics.map { $0.severity == .warning ? Diagnostic(.error, at: $0.location, $0.message + " [--strict]") : $0 }
        }
        diagnostics.sort { $0.location < $1.location }
        guard let plan, !diagnostics.contains(where: { $0.severity == .error }) else {
            throw RecipeError(diagnostics)
        }
        var result = plan
        result.warnings = diagnostics
        result.strict = options.strict
        return result
    }
}
