import MergeKitRecipe

/// One module of a plan on its way through the planner: the recipe as that module sees it (its
/// own `models:` or `slices:`), its checked parameters, its slices and their inputs. A recipe
/// without `modules:`, or with `modules:` on a model with one stack, is one such module with
/// `stackModule` nil, planned around the text stack as always; with `modules:` on a model with
/// several modules, every module of the model is one, each over its own stack.
struct PlannedModule {
    var selection: ModuleSelection
    /// The recipe with the module's layout.
    var recipe: Recipe
    var parameters: CheckedParameters
    /// The module's name when the model has several modules: its stack and tensors are its own.
    var stackModule: String?
    var slices: [PlannedSlice] = []

    init(_ selection: ModuleSelection, recipe: Recipe, parameters: CheckedParameters, ofSeveral: Bool) {
        self.selection = selection
        self.recipe = Self.ownRecipe(recipe, selection)
        self.parameters = parameters
        stackModule = ofSeveral ? selection.name : nil
    }

    /// `recipe` as `selection` sees it: its layout in place of `modules:`.
    static func ownRecipe(_ recipe: Recipe, _ selection: ModuleSelection) -> Recipe {
        var own = recipe
        own.layout = selection.layout
        return own
    }

    /// The method its tensors are merged with: the recipe's, or passthrough for a module the
    /// recipe leaves out (taken whole from one model).
    func method(_ recipeMethod: any MergeMethod) -> any MergeMethod {
        guard selection.isTakenWhole, let passthrough = MergeMethodRegistry.method(named: "passthrough") else { return recipeMethod }
        return passthrough
    }

    /// "models", "slices" or "taken whole", as `plan` says it.
    var layoutWord: String {
        if selection.isTakenWhole { return "taken whole" }
        if case .slices = selection.layout { return "slices" }
        return "models"
    }
}
