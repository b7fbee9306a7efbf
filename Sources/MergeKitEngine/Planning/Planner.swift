import Foundation
public import MergeKitRecipe
import MergeKitYAML

/// Turns a recipe into a `MergePlan`, reading model headers but no weights. Every problem it can
/// find (recipe, files, layer ranges, tensor names, shapes, dtypes, parameters) is collected and
/// reported together, positioned at the recipe line it concerns.
public enum Planner {
    /// Reads, decodes, checks and plans the recipe at `path`.
    ///
    /// - Parameter hubModels: the models the recipe names by Hub id, brought in beforehand.
    public static func plan(recipeAt path: String, options: PlanOptions = .init(), hubModels: HubModels = .init()) throws(RecipeError) -> MergePlan {
        let loaded = try load(recipeAt: path)
        return try plan(loaded.recipe, warnings: loaded.warnings, options: options, hubModels: hubModels)
    }

    /// Reads and decodes the recipe at `path` (one merge per file), with the decoder's warnings.
    public static func load(recipeAt path: String) throws(RecipeError) -> (recipe: Recipe, warnings: [Diagnostic]) {
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
        return (recipe, decoded.warnings)
    }

    public static func plan(
        _ recipe: Recipe, warnings: [Diagnostic] = [], options: PlanOptions = .init(), hubModels: HubModels = .init()
    ) throws(RecipeError) -> MergePlan {
        try PlanBuilder(recipe: recipe, options: options, warnings: warnings, hubModels: hubModels).build()
    }
}
