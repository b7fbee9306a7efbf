import MergeKitRecipe
import MergeKitYAML

/// mergekit's `modules:` matched against the model: which module of the recipe applies, with
/// its own `models:` or `slices:` and parameters. A model's module names are mergekit's:
/// `default` for a model with one layer stack; `text_decoder`, `vision_tower`,
/// `multi_modal_projector`, `encoder`, `decoder` for the stacks of multimodal and
/// encoder-decoder models. A recipe without `modules:` is its own single module.
struct ModuleSelection {
    /// The module's name; nil when the recipe has no `modules:`.
    var name: String?
    /// `.models` or `.slices`.
    var layout: Recipe.Layout
    /// The module's `parameters:` (empty without `modules:`).
    var parameters: ParameterTable

    /// mergekit's module names for a model with these stacks.
    static func moduleNames(of description: ModelDescription) -> [String] {
        guard description.stacks.count > 1 else { return ["default"] }
        var names = description.stacks.map { stack in
            switch stack.role {
            case .text: "text_decoder"
            case .decoder: "decoder"
            case .encoder: "encoder"
            case .vision: "vision_tower"
            case .audio: "audio_tower"
            case .other: stack.prefix
            }
        }
        if description.stacks.contains(where: { $0.role == .vision }) { names.append("multi_modal_projector") }
        return names
    }

    /// The recipe's layout as one module, or nil after reporting why its `modules:` cannot be
    /// used with the model it is checked against (`model`, written as `modelName`).
    static func select(
        _ recipe: Recipe, model: ModelDescription?, modelName: String, into sink: inout DiagnosticSink
    ) -> ModuleSelection? {
        guard case .modules(let modules) = recipe.layout else {
            return ModuleSelection(name: nil, layout: recipe.layout, parameters: ParameterTable())
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
        guard names.count == 1 else {
            let text = model.textStack.map { " (\($0.prefix))" } ?? ""
            sink.add(.error(
                "modules: on a model with several modules (\(listed)) is not supported yet; use slices: to slice its text stack\(text) and take the other stacks whole",
                at: first.name.location))
            return nil
        }
        return ModuleSelection(name: first.name.value, layout: first.layout, parameters: first.parameters)
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
