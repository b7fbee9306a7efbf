/// Every parameter table of a recipe, checked and parsed once, in the shape of its layout:
/// `models[i]` is the table of `models:` entry i, `slices[i]` of `slices:` entry i.
struct CheckedParameters: Sendable {
    struct Slice: Sendable {
        var parameters: ParameterSettings
        /// One per source, in order.
        var sources: [ParameterSettings]
    }

    var topLevel = ParameterSettings()
    var models: [ParameterSettings] = []
    var slices: [Slice] = []
}
