/// For one input model: the row of each output token in that model's embedding, or none
/// (mergekit's per-model "permutation").
public struct VocabularyRowMap: Sendable, Equatable {
    /// Indexed by output token id; -1 where the model has no row for the token.
    public let rows: [Int32]

    public init(rows: [Int32]) {
        self.rows = rows
    }

    /// The rows of `output`'s tokens in an embedding indexed by `vocabulary`. Tokens the
    /// vocabulary lacks, and tokens whose id is at or past `vocabularySize` (the model's config
    /// vocab size; nil means the vocabulary's own size), have no row. (mergekit 0.1.5 stops with
    /// a KeyError on the second kind; here they count as absent.)
    public init(output: OutputVocabulary, input vocabulary: TokenizerVocabulary, vocabularySize: Int?) {
        let limit = vocabularySize ?? vocabulary.count
        rows = output.tokens.map { token in
            guard let id = vocabulary.id(of: token), id < limit, let row = Int32(exactly: id) else { return -1 }
            return row
        }
    }

    /// The input row of output token `id`, or nil when the model lacks the token.
    public func row(forToken id: Int) -> Int? {
        guard rows.indices.contains(id), rows[id] >= 0 else { return nil }
        return Int(rows[id])
    }

    /// How many output tokens this model has a row for.
    public var presentCount: Int { rows.lazy.filter { $0 >= 0 }.count }
}
