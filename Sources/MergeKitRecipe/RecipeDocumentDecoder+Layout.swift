internal import MergeKitYAML

/// `models:` and `slices:`, the two ways a recipe names its inputs.
extension RecipeDocumentDecoder {
    /// Exactly one of `models` / `slices` / `modules`. A null one next to a real one is ignored,
    /// since it says nothing.
    mutating func decodeLayout(_ keys: [String: YAMLPair], root: YAMLNode) -> Recipe.Layout? {
        let written = [RecipeKey.models, RecipeKey.slices, RecipeKey.modules].compactMap { keys[$0] }
        let given = written.compactMap(nonNull).sorted { $0.key.location < $1.key.location }
        if given.count > 1 {
            error("recipe has both '\(keyText(given[0]))' and '\(keyText(given[1]))'; use only one", at: given[1].key.location)
            return nil
        }
        // Both absent, or present but null: let the null one explain itself.
        guard let pair = given.first ?? written.first else {
            error("recipe needs 'models', 'slices' or 'modules'", at: root.location)
            return nil
        }
        switch keyText(pair) {
        case RecipeKey.models: return decodeModels(pair.value).map(Recipe.Layout.models)
        case RecipeKey.slices: return decodeSlices(pair.value).map(Recipe.Layout.slices)
        default: return decodeModules(pair.value).map(Recipe.Layout.modules)
        }
    }

    // MARK: modules

    /// `modules: {NAME: {models | slices, parameters}}`, in recipe order. Whether the model has
    /// a module of that name is checked by the engine, which knows the model.
    private mutating func decodeModules(_ node: YAMLNode) -> [ModuleSpec]? {
        guard let pairs = node.mapping, !pairs.isEmpty else {
            error("'modules' must map module names (such as text_decoder) to their models or slices; found \(describe(node))",
                  at: node.location)
            return nil
        }
        var modules: [ModuleSpec] = []
        var failed = false
        for pair in pairs {
            guard let name = pair.key.scalar?.value, !name.isEmpty, let module = decodeModule(named: Located(name, at: pair.key.location), pair.value)
            else {
                failed = true
                continue
            }
            modules.append(module)
        }
        return failed ? nil : modules
    }

    private mutating func decodeModule(named name: Located<String>, _ node: YAMLNode) -> ModuleSpec? {
        guard let pairs = node.mapping else {
            error("module '\(name.value)' must be a mapping with 'models' or 'slices'; found \(node.kindName)", at: node.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.module, context: "module '\(name.value)'")
        let parameters = keys[RecipeKey.parameters].map { decodeParameters($0.value) } ?? ParameterTable()
        let models = keys[RecipeKey.models].flatMap(nonNull)
        let slices = keys[RecipeKey.slices].flatMap(nonNull)
        let layout: Recipe.Layout?
        switch (models, slices) {
        case (let models?, nil): layout = decodeModels(models.value).map(Recipe.Layout.models)
        case (nil, let slices?): layout = decodeSlices(slices.value).map(Recipe.Layout.slices)
        case (let models?, let slices?):
            let later = models.key.location < slices.key.location ? slices : models
            error("module '\(name.value)' has both 'models' and 'slices'; use only one", at: later.key.location)
            layout = nil
        case (nil, nil):
            error("module '\(name.value)' needs 'models' or 'slices'", at: node.location)
            layout = nil
        }
        guard let layout else { return nil }
        return ModuleSpec(name: name, layout: layout, parameters: parameters)
    }

    // MARK: models

    private mutating func decodeModels(_ node: YAMLNode) -> [ModelEntry]? {
        guard let items = nonEmptyList(node, key: RecipeKey.models, itemName: "models") else { return nil }
        var entries: [ModelEntry] = []
        var failed = false
        for item in items {
            if let entry = decodeModelEntry(item) {
                entries.append(entry)
            } else {
                failed = true
            }
        }
        return failed ? nil : entries
    }

    /// `- model: PATH` with optional `parameters`, or a bare `- PATH`.
    private mutating func decodeModelEntry(_ node: YAMLNode) -> ModelEntry? {
        if let scalar = node.scalar, !scalar.isNull {
            return ModelEntry(model: Located(scalar.value, at: node.location))
        }
        guard let pairs = node.mapping else {
            error("a model entry must be a model path or a mapping with 'model'; found \(node.kindName)",
                  at: node.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.modelEntry, context: "model entry")
        let model = requiredString(RecipeKey.model, in: keys, of: node, context: "model entry")
        let parameters = keys[RecipeKey.parameters].map { decodeParameters($0.value) } ?? ParameterTable()
        guard let model else { return nil }
        return ModelEntry(model: model, parameters: parameters)
    }

    // MARK: slices

    private mutating func decodeSlices(_ node: YAMLNode) -> [SliceSpec]? {
        guard let items = nonEmptyList(node, key: RecipeKey.slices, itemName: "slices") else { return nil }
        var slices: [SliceSpec] = []
        var failed = false
        for item in items {
            if let slice = decodeSlice(item) {
                slices.append(slice)
            } else {
                failed = true
            }
        }
        return failed ? nil : slices
    }

    private mutating func decodeSlice(_ node: YAMLNode) -> SliceSpec? {
        guard let pairs = node.mapping else {
            error("a slice must be a mapping with 'sources'; found \(node.kindName)", at: node.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.slice, context: "slice")
        let baseModel = optionalString(keys[RecipeKey.baseModel])
        if let residual = keys[RecipeKey.residualWeight] {
            decodeResidualWeight(residual)
        }
        let parameters = keys[RecipeKey.parameters].map { decodeParameters($0.value) } ?? ParameterTable()
        guard let sourcesPair = keys[RecipeKey.sources] else {
            error("slice is missing required key 'sources'", at: node.location)
            return nil
        }
        guard let items = nonEmptyList(sourcesPair.value, key: RecipeKey.sources, itemName: "slice sources") else {
            return nil
        }
        var sources: [SliceSource] = []
        var failed = false
        for item in items {
            if let source = decodeSliceSource(item) {
                sources.append(source)
            } else {
                failed = true
            }
        }
        guard !failed else { return nil }
        return SliceSpec(sources: sources, parameters: parameters, baseModel: baseModel, location: node.location)
    }

    /// `residual_weight:` is a number in mergekit's schema that nothing in mergekit 0.1.5 reads;
    /// it is accepted the same way, with a warning that it changes nothing.
    private mutating func decodeResidualWeight(_ pair: YAMLPair) {
        guard isNull(pair.value) || pair.value.scalar?.numberValue != nil else {
            error("'residual_weight' must be a number; found \(describe(pair.value))", at: pair.value.location)
            return
        }
        warning("residual_weight has no effect: mergekit 0.1.5 reads it and never uses it, and neither does mergekit-swift",
                at: pair.key.location)
    }

    private mutating func decodeSliceSource(_ node: YAMLNode) -> SliceSource? {
        guard let pairs = node.mapping else {
            error("a slice source must be a mapping with 'model'; found \(node.kindName)", at: node.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.sliceSource, context: "slice source")
        let model = requiredString(RecipeKey.model, in: keys, of: node, context: "slice source")
        var layerRange: Located<LayerRange>?
        var layerRangeFailed = false
        if let pair = keys[RecipeKey.layerRange] {
            layerRange = decodeLayerRange(pair.value)
            layerRangeFailed = layerRange == nil
        }
        let parameters = keys[RecipeKey.parameters].map { decodeParameters($0.value) } ?? ParameterTable()
        guard let model, !layerRangeFailed else { return nil }
        return SliceSource(model: model, layerRange: layerRange, parameters: parameters)
    }

    /// `[start, end]`: two non-negative integers, start < end (half-open). Whether the model has
    /// that many layers is checked by the engine, which knows the model.
    private mutating func decodeLayerRange(_ node: YAMLNode) -> Located<LayerRange>? {
        if let items = node.sequence, items.count == 2,
           let start = items[0].scalar?.integerValue, let end = items[1].scalar?.integerValue,
           start >= 0, start < end {
            return Located(LayerRange(start: start, end: end), at: node.location)
        }
        error("layer_range must be [start, end] with start < end; found \(describe(node))", at: node.location)
        return nil
    }

    /// The items of a list that must not be empty; `itemName` names its items in messages.
    private mutating func nonEmptyList(_ node: YAMLNode, key: String, itemName: String) -> [YAMLNode]? {
        guard let items = node.sequence else {
            error("'\(key)' must be a list of \(itemName); found \(node.kindName)", at: node.location)
            return nil
        }
        guard !items.isEmpty else {
            error("'\(key)' must not be an empty list", at: node.location)
            return nil
        }
        return items
    }
}
