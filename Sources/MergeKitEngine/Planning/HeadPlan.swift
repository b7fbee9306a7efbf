import MergeKitSafetensors

/// Whether the output stores its own head, and what config.json then says, from which inputs
/// are tied (`TiedEmbeddings`):
///
/// - the head is planned from the last slice (after the stack) and the embedding from the first
///   (before it); an input that stores no head contributes its embedding;
/// - the output stores a head when some input of the last slice stores one, or when the first
///   slice has an input that is not tied (its embedding cannot stand for the last slice's
///   head); otherwise it stays tied and stores none. For a `models:` merge (one slice) this is:
///   a head iff some input has its own;
/// - `tie_word_embeddings` then says the same at every level of config.json that has the key
///   (a tied model says so: `TiedEmbeddings`).
struct HeadPlan {
    /// The head to plan after the stack even when the last slice's reference does not store it.
    let head: String?
    let edits: [ConfigEdit]

    init(catalog: ModelCatalog, first: SliceInputs, last: SliceInputs, configModel: Int) {
        let tied = { (model: Int) in catalog.models[model].modelDescription.tiedEmbeddings }
        let firstModels = first.slots.map(\.model)
        let lastModels = last.slots.map(\.model)
        let stored = (lastModels + firstModels + Array(catalog.models.indices)).lazy.compactMap { tied($0)?.head }.first
        let lastStoresHead = lastModels.contains { tied($0)?.head != nil }
        let firstAllTied = firstModels.allSatisfy { tied($0)?.isTied ?? false }
        head = lastStoresHead || !firstAllTied ? stored : nil

        var edits: [ConfigEdit] = []
        let config = catalog.models[configModel].config
        if let configTie = tied(configModel), configTie.embedding != nil || configTie.head != nil {
            let outputTied = head == nil && configTie.embedding != nil
            for key in configTie.tieKeys where key.value(in: config) != .bool(outputTied) {
                edits.append(ConfigEdit(
                    key: key, old: key.value(in: config), new: .bool(outputTied),
                    reason: outputTied ? "the output stores no head: it is tied to the embedding" : "the output stores its own head"))
            }
        }
        self.edits = edits
    }
}
