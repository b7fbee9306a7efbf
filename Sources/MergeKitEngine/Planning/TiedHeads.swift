/// Output heads and tied models, as mergekit treats them (`lm_head` is optional and tied to the
/// input embedding): an output head (a token-indexed tensor after the layers) that some input
/// has is written, and an input without one lends its input embedding instead, so a tied model
/// merged with an untied one never loses the head.
enum TiedHeads {
    /// The output heads some input of the slice has that `names` (the reference model's) lack,
    /// in input order.
    static func headsMissing(from names: [String], slots: [SliceInputs.Slot], catalog: ModelCatalog) -> [String] {
        var known = Set(names)
        var heads: [String] = []
        for slot in slots {
            let model = catalog.models[slot.model]
            for name in model.tensorNames where !known.contains(name) && isHead(name, in: slot.model, catalog: catalog) {
                known.insert(name)
                heads.append(name)
            }
        }
        return heads
    }

    /// The tensor model `model` lends for the head `name` it lacks: its input embedding, when
    /// `name` is an output head in some input of the slice; nil otherwise.
    static func standIn(for name: String, in model: Int, slots: [SliceInputs.Slot], catalog: ModelCatalog) -> String? {
        guard slots.contains(where: { isHead(name, in: $0.model, catalog: catalog) }) else { return nil }
        return TokenIndexedTensors.inputEmbedding(of: catalog.models[model])
    }

    private static func isHead(_ name: String, in model: Int, catalog: ModelCatalog) -> Bool {
        let directory = catalog.models[model]
        guard TensorNaming.placement(of: name) == .afterLayers, let tensor = directory.tensor(named: name) else { return false }
        return TokenIndexedTensors.isTokenIndexed(name, shape: tensor.shape, in: directory)
    }
}
