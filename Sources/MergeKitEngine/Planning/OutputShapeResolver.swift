import MergeKitTokenizer

/// Settles one output tensor's shape from its inputs' tensors. A token-indexed tensor
/// (`TokenIndexedTensors`) under tokenizer settings is aligned to the output vocabulary: its
/// shape is `[output rows, hidden]` and it gets its row plan (`VocabularyAlignment`). Any other
/// tensor, and every tensor without tokenizer settings, follows `ShapePolicy` (uniform, cropped
/// under `--unsafe-truncate-embeddings`, or an error). Problems go to the sink.
struct OutputShapeResolver {
    let context: PlanContext

    struct Resolved {
        var shape: [Int]
        /// The rows a vocabulary-sized tensor was cropped to.
        var croppedRows: Int?
        /// How each input's rows are aligned to the output vocabulary.
        var alignedRows: EmbeddingRowPlan?
    }

    /// nil after reporting why the inputs cannot make one tensor.
    func resolve(
        _ outputName: String, tensors: [TensorInput], slots: [SliceInputs.Slot], into sink: inout DiagnosticSink
    ) -> Resolved? {
        let tokenIndexed = tensors.contains {
            TokenIndexedTensors.isTokenIndexed($0.tensorName, shape: $0.source.shape, in: context.catalog.models[$0.modelIndex])
        }
        if tokenIndexed, let vocabulary = context.vocabulary {
            return align(outputName, tensors: tensors, slots: slots, to: vocabulary, into: &sink).map { Resolved(shape: $0.shape, alignedRows: $0.rows) }
        }
        let policy = ShapePolicy(cropsVocabulary: context.options.unsafeTruncateEmbeddings)
        switch policy.decide(outputName: outputName, shapes: tensors.map(\.source.shape), models: slots.map(\.written.value),
                             tokenIndexed: tokenIndexed) {
        case .uniform(let shape):
            return Resolved(shape: shape)
        case .cropped(let shape, let warning):
            sink.add(.warning(warning, at: context.methodLocation))
            return Resolved(shape: shape, croppedRows: shape.first)
        case .vocabularyMismatch(let message):
            sink.report(.error(message, at: context.methodLocation), code: .vocabularyMismatch)
            return nil
        case .mismatch(let message, let input):
            sink.report(.error(message, at: slots[input].written.location), code: .shapeMismatch)
            return nil
        }
    }

    /// The output shape (`[output rows, hidden]`) and row plan of a token-indexed tensor, or nil
    /// after reporting why its inputs cannot be aligned.
    private func align(
        _ outputName: String, tensors: [TensorInput], slots: [SliceInputs.Slot], to vocabulary: VocabularyAlignment,
        into sink: inout DiagnosticSink
    ) -> (shape: [Int], rows: EmbeddingRowPlan)? {
        let width = Array(tensors[0].source.shape.dropFirst())
        if let differing = tensors.firstIndex(where: { Array($0.source.shape.dropFirst()) != width }) {
            let listed = zip(slots, tensors).map { "'\($0.written.value)' \($1.source.shape)" }.joined(separator: ", ")
            sink.report(.error("shapes of '\(outputName)' differ beyond the vocabulary rows: \(listed)", at: slots[differing].written.location),
                        code: .shapeMismatch)
            return nil
        }
        let rows: EmbeddingRowPlan
        do {
            rows = try vocabulary.rows(for: outputName, tensors: tensors)
        } catch {
            for problem in error.problems {
                sink.addOnce(problem.diagnostic ?? .error(problem.description, at: vocabulary.plan.location))
            }
            return nil
        }
        if !rows.tokensInNoModel.isEmpty {
            let shown = rows.tokensInNoModel.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = rows.tokensInNoModel.count > 5 ? " and \(rows.tokensInNoModel.count - 5) more" : ""
            sink.report(.warning("no model has the token\(rows.tokensInNoModel.count == 1 ? "" : "s") \(shown)\(more) in '\(outputName)': \(rows.tokensInNoModel.count == 1 ? "its row is" : "their rows are") zeros",
                                 at: vocabulary.plan.location), code: .tokenInNoModel)
        }
        return ([vocabulary.plan.rowCount] + width, rows)
    }
}
