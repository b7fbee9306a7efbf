public import MergeKitRecipe
import MergeKitYAML

/// Turns a recipe into a `MergePlan`, reading model headers but no weights. Every problem it can
/// find (recipe, files, layer ranges, tensor names, shapes, dtypes, parameters) is collected and
/// reported together, positioned at the recipe line it concerns.
public enum Planner {
    /// Reads, decodes, checks and plans the recipe at `path`.
    public static func plan(recipeAt path: String, options: PlanOptions = .init()) throws(RecipeError) -> MergePlan {
        let decoded = try RecipeDecoder.decode(utf8: try RecipeFile.read(path), file: path)
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
        try PlanBuilder(recipe: recipe, options: options, warnings: warnings).build()
    }
}
