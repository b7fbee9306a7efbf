import MergeKitRecipe
import MergeKitTensor
import MergeKitYAML

/// What every tensor of a plan shares, fixed once the recipe checks out: the method, the base,
/// the dtypes, the seed, the options, the opened models, the top-level parameters and the
/// output vocabulary.
struct PlanContext {
    let recipe: Recipe
    let method: any MergeMethod
    /// The base model's index in the catalog, if the recipe names one.
    let base: Int?
    /// `dtype:`: inputs are rounded to it (nil: read as stored).
    let readDType: FloatDType?
    /// `out_dtype:` (nil: `dtype:`, else the base's stored dtype per tensor).
    let outDType: FloatDType?
    let seed: UInt64
    let options: PlanOptions
    let catalog: ModelCatalog
    let topLevelParameters: ParameterSettings
    /// The recipe module's `parameters:` (`modules:`), between a slice's and the top level's.
    var moduleParameters = ParameterSettings()
    /// The output vocabulary token-indexed tensors are aligned to (nil: no tokenizer settings).
    let vocabulary: VocabularyAlignment?

    /// Where plan-level problems point: the `merge_method:` line.
    var methodLocation: SourceLocation { recipe.mergeMethod.location }

    /// "recipe" for `models:`, "slice" for `slices:` (as messages say it).
    var sliceWord: String {
        if case .models = recipe.layout { return "recipe" }
        return "slice"
    }
}
