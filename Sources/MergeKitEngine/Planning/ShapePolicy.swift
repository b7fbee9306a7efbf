import MergeKitRecipe

/// What a tensor whose inputs differ in shape becomes, when the recipe has no tokenizer settings
/// (with them, token-indexed tensors are aligned by token instead: `VocabularyAlignment`).
/// Token-indexed tensors (`TokenIndexedTensors`: embeddings, output heads) that differ only in
/// rows are cropped to the rows every input has under `--unsafe-truncate-embeddings` (the chunk
/// reader then reads only those leading rows: they are a prefix of each row-major tensor), and
/// are an error otherwise; any other difference is an error naming every input's shape. The
/// policy decides; the caller reports.
struct ShapePolicy {
    /// `--unsafe-truncate-embeddings`.
    let cropsVocabulary: Bool

    enum Decision: Equatable {
        /// Every input has this shape.
        case uniform([Int])
        /// Cropped to `shape` (the common rows), with a warning for the user.
        case cropped(shape: [Int], warning: String)
        /// Vocabulary sizes differ and cropping was not asked for.
        case vocabularyMismatch(String)
        /// Shapes differ; `input` is the first input whose shape differs from the first's.
        case mismatch(String, input: Int)
    }

    /// The decision for output tensor `outputName` with these input shapes (`models` names the
    /// inputs in messages; both in input order, at least one); `tokenIndexed`: some input holds
    /// it as one row per token.
    func decide(outputName: String, shapes: [[Int]], models: [String], tokenIndexed: Bool) -> Decision {
        guard let shape = shapes.first else { return .uniform([]) }
        guard let differing = shapes.firstIndex(where: { $0 != shape }) else { return .uniform(shape) }
        let listed = zip(models, shapes).map { "'\($0)' \($1)" }.joined(separator: ", ")
        guard tokenIndexed, shapes.allSatisfy({ $0.dropFirst() == shape.dropFirst() }) else {
            return .mismatch("shapes of '\(outputName)' differ between models: \(listed)", input: differing)
        }
        if cropsVocabulary, let rows = shapes.compactMap(\.first).min() {
            return .cropped(
                shape: [rows] + shape.dropFirst(),
                warning: "cropping '\(outputName)' to the \(rows) rows every model has (--unsafe-truncate-embeddings): \(listed); the dropped rows' tokens lose their embeddings")
        }
        return .vocabularyMismatch(
            "vocabulary sizes differ in '\(outputName)': \(listed); align the vocabularies with tokenizer_source (base, union or a model), or crop them with --unsafe-truncate-embeddings")
    }
}
