extension Recipe {
    /// Every model reference the recipe writes, in recipe order, each where it is written:
    /// `base_model`, the models of `models:` or of the slices' `sources:` and their own
    /// `base_model` (in every module of `modules:`), and a `tokenizer_source` that names a
    /// model (not `base` or `union`). The same model written twice appears twice.
    public var modelReferences: [Located<String>] {
        var references: [Located<String>] = []
        if let baseModel { references.append(baseModel) }
        references += Self.modelReferences(in: layout)
        if let tokenizerSource, !["base", "union"].contains(tokenizerSource.value) {
            references.append(tokenizerSource)
        }
        return references
    }

    private static func modelReferences(in layout: Layout) -> [Located<String>] {
        switch layout {
        case .models(let entries):
            return entries.map(\.model)
        case .slices(let slices):
            return slices.flatMap { slice in (slice.baseModel.map { [$0] } ?? []) + slice.sources.map(\.model) }
        case .modules(let modules):
            return modules.flatMap { modelReferences(in: $0.layout) }
        }
    }
}
