import MergeKitSafetensors
import MergeKitYAML

/// What the stack checks of a plan share: the opened models, the slices, how the output's stack
/// is assembled (the text stack, or a module's with `modules:` on a model with several), and the
/// model whose config.json the output starts from.
struct StackContext {
    let catalog: ModelCatalog
    let slices: [PlannedSlice]
    let assembly: StackAssembly
    /// The base, else the first slice's first model.
    let configModel: Int
    /// The config model's stack that the slices assemble (the planner stops earlier when a model
    /// has none).
    let stack: LayerStack
    /// Where plan-level problems point when no slice is to blame.
    let methodLocation: SourceLocation
    /// The module whose stack it is (`ModelModules`); nil: the text stack.
    var module: String? = nil

    func description(of model: Int) -> ModelDescription {
        catalog.models[model].modelDescription
    }

    /// `model`'s stack of the same module.
    func stack(of model: Int) -> LayerStack? {
        let description = description(of: model)
        guard let module else { return description.textStack }
        return description.modules.module(named: module)?.stack
    }

    /// What `model`'s config.json says per layer of that stack.
    func facts(of model: Int) -> LayerConfigFacts? {
        let description = description(of: model)
        guard let stack = stack(of: model) else { return nil }
        if let text = description.textStack, text.prefix.hasSameBytes(as: stack.prefix) { return description.textLayerFacts }
        return LayerConfigFacts(config: catalog.models[model].config, stack: stack)
    }

    /// "the text stack" or "the vision_tower stack", as config changes say it.
    var stackWord: String { module.map { "the \($0) stack" } ?? "the text stack" }

    /// "model.layers (counted by num_hidden_layers)", as messages name the stack.
    var stackName: String {
        stack.countKey.map { "\(stack.prefix) (counted by \($0))" } ?? "\(stack.prefix) (which config.json does not count)"
    }

    /// "output layer 2 ('./ft_b' layer 0)".
    func describe(_ layer: StackAssembly.OutputLayer) -> String {
        "output layer \(layer.index) ('\(catalog.writtenNames[layer.reference.model])' layer \(layer.reference.layer))"
    }

    /// Output layers `indices`, each with its source.
    func describe(layers indices: [Int]) -> String {
        let described = indices.compactMap { index in assembly.layers.first { $0.index == index }.map(describe) }
        let shown = described.prefix(8).joined(separator: ", ")
        return described.count > 8 ? shown + " and \(described.count - 8) more" : shown
    }

    /// The recipe position of the slice that makes output layer `index`.
    func location(ofLayer index: Int) -> SourceLocation {
        guard let layer = assembly.layers.first(where: { $0.index == index }), slices.indices.contains(layer.slice) else {
            return methodLocation
        }
        return slices[layer.slice].location
    }
}
