public import MergeKitRecipe
import MergeKitYAML

/// Turns a recipe into a `MergePlan`, reading model headers but no weights. Every problem it can
/// find (recipe, files, layer ranges, tensor names, shapes, dtypes, parameters) is collected and
/// reported together, positioned at the recipe line it concerns.
public enum Planner {
    /// Reads, decodes, checks and plans the recipe at `path`. A file of several YAML documents is
    /// a multi-stage recipe (mergekit-multi's): its stages are planned into the output's plan.
    ///
    /// - Parameter hubModels: the models the recipe names by Hub id, brought in beforehand.
    public static func plan(recipeAt path: String, options: PlanOptions = .init(), hubModels: HubModels = .init()) throws(RecipeError) -> MergePlan {
        try plan(try load(recipeAt: path), options: options, hubModels: hubModels)
    }

    /// Reads and decodes the recipe at `path`: its documents (several for a multi-stage
    /// recipe), with the decoder's warnings.
    public static func load(recipeAt path: String) throws(RecipeError) -> LoadedRecipe {
        let decoded = try RecipeDecoder.decode(utf8: try RecipeFile.read(path), file: path)
        guard !decoded.recipes.isEmpty else {
            throw RecipeError([.error("the recipe is empty", at: SourceLocation(file: path, line: 1, column: 1))] + decoded.warnings)
        }
        return LoadedRecipe(documents: decoded.recipes, warnings: decoded.warnings)
    }

    /// Plans a loaded recipe: one merge, or the stages of a multi-stage recipe into its output's plan.
    public static func plan(_ loaded: LoadedRecipe, options: PlanOptions = .init(), hubModels: HubModels = .init()) throws(RecipeError) -> MergePlan {
        guard loaded.isMultiStage else { return try plan(loaded.documents[0], warnings: loaded.warnings, options: options, hubModels: hubModels) }
        return try StagePlanner(recipes: loaded.documents, options: options, warnings: loaded.warnings, hubModels: hubModels).plan()
    }

    public static func plan(
        _ recipe: Recipe, warnings: [Diagnostic] = [], options: PlanOptions = .init(), hubModels: HubModels = .init()
    ) throws(RecipeError) -> MergePlan {
        try PlanBuilder(recipe: recipe, options: options, warnings: warnings, hubModels: hubModels).build()
    }
}
