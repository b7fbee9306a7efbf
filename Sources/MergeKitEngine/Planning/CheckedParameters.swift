/// Every parameter table of a recipe, checked and parsed once, in the shape of its layout:
/// `models[i]` is the table of `models:` entry i, `slices[i]` of `slices:` entry i (of the
/// recipe's module, with `modules:`).
struct CheckedParameters: Sendable {
    struct Slice: Sendable {
        var parameters: ParameterSettings
        /// One per source, in order.
        var sources: [ParameterSettings]
    }

    var topLevel = ParameterSettings()
    /// The recipe module's `parameters:` (empty without `modules:`).
    var module = ParameterSettings()
    var models: [ParameterSettings] = []
    var slices: [Slice] = []
}
