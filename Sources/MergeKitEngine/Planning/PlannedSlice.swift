import MergeKitRecipe
import MergeKitYAML

/// A slice with its models opened and its layer ranges checked: the normalized form of both
/// `models:` (one slice over every layer) and `slices:`. A new value; the recipe is not changed.
struct PlannedSlice {
    struct Source {
        var model: Int
        var written: Located<String>
        var layers: LayerRange
        var parameters: ParameterSettings
        /// Index among the slice's sources, as written (part of the RNG key).
        var position: Int
    }

    var sources: [Source]
    var parameters: ParameterSettings
    var location: SourceLocation
    /// The first output layer this slice produces.
    var outputStart: Int
    /// The slice's own `base_model:` (nil: the recipe's), which its tensors are merged against.
    var base: (model: Int, written: Located<String>)? = nil
    var layerCount: Int { sources.first?.layers.count ?? 0 }
}
