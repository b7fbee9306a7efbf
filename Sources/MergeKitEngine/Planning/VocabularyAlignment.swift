public import MergeKitRecipe
public import MergeKitTokenizer

/// The recipe's output vocabulary as the tensor jobs use it: the `VocabularyPlan`, and which of
/// its inputs each opened model is. Every token-indexed tensor of the plan gets its row plan
/// from here (`rows(for:tensors:)`).
public struct VocabularyAlignment: Sendable {
    public let plan: VocabularyPlan
    /// The recipe's `source` (for `plan` output).
    public let source: TokenizerSettings.Source
    /// The catalog model of each vocabulary input, in the vocabulary's input order.
    public let modelByInput: [Int]

    init(plan: VocabularyPlan, source: TokenizerSettings.Source, modelByInput: [Int]) {
        self.plan = plan
        self.source = source
        self.modelByInput = modelByInput
    }

    /// The row plan of a token-indexed tensor whose merge inputs read `tensors` (one per merge
    /// input, in merge order: they are its participants).
    func rows(for name: String, tensors: [TensorInput]) throws(TokenizerError) -> EmbeddingRowPlan {
        var participants: [EmbeddingParticipant] = []
        for tensor in tensors {
            guard let input = modelByInput.firstIndex(of: tensor.modelIndex), let rows = tensor.source.shape.first else {
                throw TokenizerError(.recipe("'\(tensor.tensorName)' of an input the vocabulary does not know", at: plan.location))
            }
            participants.append(EmbeddingParticipant(input: input, rows: rows))
        }
        return try plan.embeddingRows(for: name, participants: participants)
    }

    /// Consecutive output rows with one origin, for `plan` output.
    public struct RowBlock: Sendable, Equatable {
        public enum Origin: Sendable, Equatable {
            /// The token is in this model's vocabulary (the first input that has it, base first).
            case model(Int)
            /// No input has the token: a `tokens:` entry gives its row (or zeros).
            case noModel
            /// Padding past the tokens (`pad_to_multiple_of`): each model's mean row.
            case padding
        }

        public var rows: Range<Int>
        public var origin: Origin
    }

    /// Where the output rows come from, as runs of rows with the same origin.
    public var rowBlocks: [RowBlock] {
        var blocks: [RowBlock] = []
        func append(_ row: Int, _ origin: RowBlock.Origin) {
            if let last = blocks.last, last.origin == origin, last.rows.upperBound == row {
                blocks[blocks.count - 1].rows = last.rows.lowerBound ..< row + 1
            } else {
                blocks.append(RowBlock(rows: row ..< row + 1, origin: origin))
            }
        }
        for token in 0 ..< plan.tokenCount {
            let input = plan.rowMaps.firstIndex { $0.row(forToken: token) != nil }
            append(token, input.map { .model(modelByInput[$0]) } ?? .noModel)
        }
        if plan.rowCount > plan.tokenCount {
            blocks.append(RowBlock(rows: plan.tokenCount ..< plan.rowCount, origin: .padding))
        }
        return blocks
    }
}
