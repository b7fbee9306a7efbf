import MergeKitRecipe
import MergeKitYAML

/// Turns a recipe's `models:` or `slices:` into `PlannedSlice`s: every model opened (headers
/// only, and checked as the catalog checks every model), `models:` as one slice over every
/// layer, `slices:` ranges checked against the models' layer counts and renumbered from 0, a
/// slice's own `base_model` opened. The recipe is not changed.
struct SliceNormalizer {
    let recipe: Recipe
    let catalog: ModelCatalog
    let parameters: CheckedParameters
    /// The module whose stack the layer ranges index (`modules:` on a model with several); nil:
    /// the text stack.
    var module: String? = nil

    /// The slices in output order. A slice with a problem is reported and left out.
    func slices(into sink: inout DiagnosticSink) -> [PlannedSlice] {
        switch recipe.layout {
        case .models(let entries): return modelSlice(entries, into: &sink).map { [$0] } ?? []
        case .slices(let specs): return slices(specs, into: &sink)
        case .modules:
            // `ModuleSelection` gives the planner the module's own layout.
            sink.add(.error("modules: must be resolved to one module before slicing", at: recipe.mergeMethod.location))
            return []
        }
    }

    /// `models:`: one slice whose sources span every layer; the models must have the same depth.
    private func modelSlice(_ entries: [ModelEntry], into sink: inout DiagnosticSink) -> PlannedSlice? {
        var sources: [PlannedSlice.Source] = []
        for (position, entry) in entries.enumerated() {
            guard let model = catalog.open(entry.model, into: &sink),
                  let count = layerCount(of: model, at: entry.model.location, into: &sink) else { continue }
            sources.append(.init(model: model, written: entry.model, layers: LayerRange(start: 0, end: count),
                                 parameters: parameters.models[position], position: position))
        }
        if let first = sources.first {
            for source in sources.dropFirst() where source.layers.count != first.layers.count {
                sink.add(.error(
                    "model '\(source.written.value)' has \(source.layers.count) layers but '\(first.written.value)' has \(first.layers.count); use slices: with layer_range to merge models of different depths",
                    at: source.written.location))
            }
        }
        guard let location = entries.first?.model.location else {
            sink.add(.error("models: lists no models", at: recipe.mergeMethod.location))
            return nil
        }
        guard !sources.isEmpty else { return nil }
        return PlannedSlice(sources: sources, parameters: ParameterSettings(), location: location, outputStart: 0)
    }

    /// `slices:`: each slice's sources within their models and of one length; output layers
    /// numbered on from the previous slice.
    private func slices(_ specs: [SliceSpec], into sink: inout DiagnosticSink) -> [PlannedSlice] {
        var slices: [PlannedSlice] = []
        var outputStart = 0
        for (index, spec) in specs.enumerated() {
            var sources: [PlannedSlice.Source] = []
            for (position, source) in spec.sources.enumerated() {
                guard let model = catalog.open(source.model, into: &sink),
                      let count = layerCount(of: model, at: source.model.location, into: &sink) else { continue }
                let range = source.layerRange?.value ?? LayerRange(start: 0, end: count)
                guard range.end <= count else {
                    sink.add(.error(
                        "layer_range [\(range.start), \(range.end)] is outside \(stackWords(of: model))model '\(source.model.value)', which has \(count) layers\(count > 0 ? " (0…\(count - 1))" : "; give layer_range [0, 0] or none")",
                        at: source.layerRange?.location ?? source.model.location))
                    continue
                }
                sources.append(.init(model: model, written: source.model, layers: range,
                                     parameters: parameters.slices[index].sources[position], position: position))
            }
            if let reference = sources.first {
                for source in sources.dropFirst() where source.layers.count != reference.layers.count {
                    sink.add(.error(
                        "all sources of a slice must span the same number of layers: '\(source.written.value)' spans \(source.layers.count), '\(reference.written.value)' spans \(reference.layers.count)",
                        at: spec.sources[source.position].layerRange?.location ?? source.written.location))
                }
            }
            var base: (model: Int, written: Located<String>)?
            if let written = spec.baseModel {
                guard let model = catalog.open(written, into: &sink) else { continue }
                base = (model, written)
            }
            guard sources.count == spec.sources.count, let first = sources.first else { continue }
            slices.append(PlannedSlice(
                sources: sources, parameters: parameters.slices[index].parameters, location: spec.location, outputStart: outputStart,
                base: base))
            outputStart += first.layers.count
        }
        return slices
    }

    private func layerCount(of model: Int, at location: SourceLocation, into sink: inout DiagnosticSink) -> Int? {
        if let module {
            guard let found = catalog.models[model].modelDescription.modules.module(named: module) else {
                let names = catalog.models[model].modelDescription.modules.names.joined(separator: ", ")
                sink.add(.error("model '\(catalog.writtenNames[model])' has no module '\(module)'; its modules are: \(names)", at: location))
                return nil
            }
            return found.stack?.count ?? 0
        }
        do {
            return try catalog.models[model].layerCount()
        } catch {
            sink.add(.error("model '\(catalog.writtenNames[model])' cannot be used: \(error.description)", at: location))
            return nil
        }
    }

    /// "the vision_tower stack (vision_tower.transformer.layers) of " for a module's ranges, "" for the text stack's.
    private func stackWords(of model: Int) -> String {
        guard let module, let found = catalog.models[model].modelDescription.modules.module(named: module) else { return "" }
        guard let stack = found.stack else { return "module '\(module)' (it has no layers) of " }
        return "the \(module) stack (\(stack.prefix)) of "
    }
}
