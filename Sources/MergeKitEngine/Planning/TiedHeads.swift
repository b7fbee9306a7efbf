/// Output heads and tied models, as mergekit treats them (`lm_head` is optional and tied to the
/// input embedding): an output head (a token-indexed tensor after the layers) that some input
/// has is written (`TensorJobFactory` plans every tensor any input has), and an input without
/// one whose config.json says `tie_word_embeddings: true` lends its input embedding instead, so
/// a tied model merged with an untied one never loses the head. An untied input without the
/// head is an error naming it: nothing stands in for it.
enum TiedHeads {
    /// The tensor model `model` lends for the head `name` it lacks: its input embedding, when
    /// the model declares tied embeddings and `name` is an output head in some input of the
    /// slice; nil otherwise.
    static func standIn(for name: String, in model: Int, slots: [SliceInputs.Slot], catalog: ModelCatalog) -> String? {
        let directory = catalog.models[model]
        guard directory.declaresTiedEmbeddings, slots.contains(where: { isHead(name, in: $0.model, catalog: catalog) }) else {
            return nil
        }
        return TokenIndexedTensors.inputEmbedding(of: directory)
    }

    private static func isHead(_ name: String, in model: Int, catalog: ModelCatalog) -> Bool {
        let directory = catalog.models[model]
        guard TensorNaming.placement(of: name) == .afterLayers, let tensor = directory.tensor(named: name) else { return false }
        return TokenIndexedTensors.isTokenIndexed(name, shape: tensor.shape, in: directory)
    }
}
