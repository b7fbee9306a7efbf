import Foundation
public import MergeKitRecipe
import MergeKitYAML

/// Turns a recipe into a `MergePlan`, reading model headers but no weights. Every problem it can
/// find (recipe, files, layer ranges, tensor names, shapes, dtypes, parameters) is collected and
/// reported together, positioned at the recipe line it concerns.
public enum Planner {
    /// Reads, decodes, checks and plans the recipe at `path`. A file of several YAML documents is
    /// a multi-stage recipe (mergekit-multi's): its stages are planned into the output's plan.
    public static func plan(recipeAt path: String, options: PlanOptions = .init()) throws(RecipeError) -> MergePlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecipeError([.error("cannot read the recipe file", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        let decoded = try RecipeDecoder.decode(utf8: [UInt8](data), file: path)
        guard let recipe = decoded.recipes.first else {
            throw RecipeError([.error("the recipe is empty", at: SourceLocation(file: path, line: 1, column: 1))] + decoded.warnings)
        }
        if decoded.recipes.count > 1 {
            return try StagePlanner(recipes: decoded.recipes, options: options, warnings: decoded.warnings).plan()
        }
        return try plan(recipe, warnings: decoded.warnings, options: options)
    }

    public static func plan(_ recipe: Recipe, warnings: [Diagnostic] = [], options: PlanOptions = .init()) throws(RecipeError) -> MergePlan {
        try PlanBuilder(recipe: recipe, options: options, warnings: warnings).build()
    }
}
