extension Recipe {
    /// Every model reference the recipe writes, in recipe order, each where it is written:
    /// `base_model`, the models of `models:` or of the slices' `sources:`, and a
    /// `tokenizer_source` that names a model (not `base` or `union`). The same model written
    /// twice appears twice.
    public var modelReferences: [Located<String>] {
        var references: [Located<String>] = []
        if let baseModel { references.append(baseModel) }
        switch layout {
        case .models(let entries):
            references += entries.map(\.model)
        case .slices(let slices):
            references += slices.flatMap { $0.sources.map(\.model) }
        }
        if let tokenizerSource, !["base", "union"].contains(tokenizerSource.value) {
            references.append(tokenizerSource)
        }
        return references
    }
}
