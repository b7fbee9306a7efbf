internal import MergeKitYAML

/// `models:` and `slices:`, the two ways a recipe names its inputs.
extension RecipeDocumentDecoder {
    /// Exactly one of `models` / `slices`. A null one next to a real one is ignored, since it
    /// says nothing.
    mutating func decodeLayout(_ keys: [String: YAMLPair], root: YAMLNode) -> Recipe.Layout? {
        let models = keys[RecipeKey.models]
        let slices = keys[RecipeKey.slices]
        switch (models.flatMap(nonNull), slices.flatMap(nonNull)) {
        case (let models?, let slices?):
            let later = models.key.location < slices.key.location ? slices : models
            error("recipe has both 'models' and 'slices'; use only one", at: later.key.location)
            return nil
        case (let models?, nil):
            return decodeModels(models.value).map(Recipe.Layout.models)
        case (nil, let slices?):
            return decodeSlices(slices.value).map(Recipe.Layout.slices)
        case (nil, nil):
            // Both absent, or present but null: let the null one explain itself.
            if let models {
                return decodeModels(models.value).map(Recipe.Layout.models)
            }
            if let slices {
                return decodeSlices(slices.value).map(Recipe.Layout.slices)
            }
            // `modules:` has its own error; asking for models or slices too would be noise.
            if keys[RecipeKey.modules] == nil {
                error("recipe needs 'models' or 'slices'", at: root.location)
            }
            return nil
        }
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
        if let baseModel = keys[RecipeKey.baseModel] {
            // mergekit lets a slice override the base; ignoring it would silently merge differently.
            error("base_model: in a slice is not supported yet; set base_model: at the top level",
                  at: baseModel.key.location)
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
        guard !failed, keys[RecipeKey.baseModel] == nil else { return nil }
        return SliceSpec(sources: sources, parameters: parameters, location: node.location)
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
