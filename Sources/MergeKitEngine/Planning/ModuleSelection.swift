import MergeKitRecipe
import MergeKitYAML

/// mergekit's `modules:` matched against the model: which modules of the recipe apply, each with
/// its own `models:` or `slices:` and parameters. A model's module names are mergekit's
/// (`ModelModules`): `default` for a model with one layer stack; `text_decoder`,
/// `vision_tower`, `multi_modal_projector`, `encoder`, `decoder`, `shared` for the stacks and
/// the other parts of multimodal and encoder-decoder models. A recipe without `modules:` is its
/// own single module.
struct ModuleSelection {
    /// The module's name; nil when the recipe has no `modules:`.
    var name: String?
    /// `.models` or `.slices`.
    var layout: Recipe.Layout
    /// The module's `parameters:` (empty without `modules:`).
    var parameters: ParameterTable
    /// A module the recipe leaves out, taken whole from the one model of `layout`.
    var isTakenWhole = false

    /// mergekit's module names for a model with these stacks.
    static func moduleNames(of description: ModelDescription) -> [String] {
        description.modules.names
    }

    /// The recipe's layout as its modules, or nil after reporting why its `modules:` cannot be
    /// used with the model it is checked against (`model`, written as `modelName`). On a model
    /// with several modules they come in the model's order, and a module the recipe leaves out
    /// is taken whole from `modelName` (the base, else the first model), with a warning: mergekit
    /// 0.1.5 writes none of its tensors, which leaves a model transformers fills with random
    /// weights.
    static func select(
        _ recipe: Recipe, model: ModelDescription?, modelName: String, into sink: inout DiagnosticSink
    ) -> [ModuleSelection]? {
        guard case .modules(let modules) = recipe.layout else {
            return [ModuleSelection(name: nil, layout: recipe.layout, parameters: ParameterTable())]
        }
        guard let model, let first = modules.first else { return nil }
        let names = moduleNames(of: model)
        let listed = names.joined(separator: ", ")
        var failed = false
        for module in modules where !names.contains(module.name.value) {
            var message = "model '\(modelName)' has no module '\(module.name.value)'; its modules are: \(listed)"
            if let hint = closestMatch(to: module.name.value, among: names) { message += "; did you mean '\(hint)'?" }
            sink.add(.error(message, at: module.name.location))
            failed = true
        }
        guard !failed else { return nil }
        guard names.count > 1 else {
            return [ModuleSelection(name: first.name.value, layout: first.layout, parameters: first.parameters)]
        }
        let leftOut = names.filter { name in !modules.contains { $0.name.value == name } }
        if !leftOut.isEmpty, let donor = referenceModel(of: recipe) {
            sink.add(.warning(
                "modules: leaves out \(leftOut.joined(separator: ", ")); taken whole from '\(donor.value)' (mergekit 0.1.5 writes none of their tensors, an incomplete model)",
                at: first.name.location))
        }
        return names.compactMap { name in
            if let module = modules.first(where: { $0.name.value == name }) {
                return ModuleSelection(name: name, layout: module.layout, parameters: module.parameters)
            }
            guard let donor = referenceModel(of: recipe) else { return nil }
            return ModuleSelection(name: name, layout: .models([ModelEntry(model: donor)]), parameters: ParameterTable(), isTakenWhole: true)
        }
    }

    /// The models the recipe names first: the base, else the first model of its first module
    /// (the model the output's config comes from, which decides the module names).
    static func referenceModel(of recipe: Recipe) -> Located<String>? {
        if let base = recipe.baseModel { return base }
        guard case .modules(let modules) = recipe.layout else { return nil }
        switch modules.first?.layout {
        case .models(let entries): return entries.first?.model
        case .slices(let slices): return slices.first?.sources.first?.model
        default: return nil
        }
    }
}
