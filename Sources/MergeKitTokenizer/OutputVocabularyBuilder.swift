/// Builds the output vocabulary the way mergekit's `build_tokenizer` does, with one difference:
/// where mergekit walks hash maps and sets (so the ids of tokens the union adds, and which model
/// counts as first, change from run to run), this walks models in recipe order and tokens in id
/// order, so the output is the same on every run.
public enum OutputVocabularyBuilder {
    /// Where the output tokenizer comes from.
    public enum Source: Sendable {
        /// The base model's tokenizer, without the tokens its embedding has no row for.
        case base
        /// The base's tokenizer, then every other model's tokens it lacks.
        case union
        /// This tokenizer as it is (it need not be one of the inputs).
        case model(ModelTokenizer)
    }

    public struct Result: Sendable {
        public let output: OutputVocabulary
        /// The vocabulary each input's embedding rows are indexed by, in input order: its own, the
        /// base's without unembedded tokens, or the base's for an input without a tokenizer.
        public let inputVocabularies: [TokenizerVocabulary]
    }

    /// `inputs` in recipe order (the base included); `base` indexes it. `extraTokens` are the
    /// `tokens:` keys, added when the vocabulary lacks them.
    public static func build(
        inputs: [TokenizerInput], base: Int, source: Source, extraTokens: [String]
    ) throws(TokenizerError) -> Result {
        guard inputs.indices.contains(base) else {
            throw TokenizerError(TokenizerProblem(file: nil, location: nil, message: "the base model is not one of the inputs"))
        }
        let baseInput = inputs[base]
        guard let baseTokenizer = baseInput.tokenizer else {
            throw TokenizerError(TokenizerProblem(
                file: nil, location: nil,
                message: "the base model '\(baseInput.reference)' has no tokenizer.json, which the output vocabulary is built from"))
        }
        let (baseVocabulary, stripped) = try strippedBase(baseTokenizer, vocabularySize: baseInput.vocabularySize)
        let inputVocabularies = inputs.enumerated().map { index, input in
            index == base ? baseVocabulary : (input.tokenizer?.vocabulary ?? baseVocabulary)
        }

        var vocabulary: AddedVocabulary
        let sourceTokenizer: ModelTokenizer
        var strippedTokens: Set<String> = []
        var strippedFrom: Int?
        switch source {
        case .base:
            vocabulary = AddedVocabulary(baseVocabulary)
            sourceTokenizer = baseTokenizer
            (strippedTokens, strippedFrom) = stripped
        case .union:
            vocabulary = union(inputs: inputs, base: base, baseVocabulary: baseVocabulary)
            sourceTokenizer = baseTokenizer
            (strippedTokens, strippedFrom) = stripped
        case .model(let tokenizer):
            vocabulary = AddedVocabulary(tokenizer.vocabulary)
            sourceTokenizer = tokenizer
        }
        for token in extraTokens where vocabulary.id(of: TokenText(token)) == nil {
            vocabulary.add(.plain(token))
        }
        let output = try OutputVocabulary(source: sourceTokenizer.files, vocabulary: vocabulary.vocabulary,
                                          strippedTokens: strippedTokens, strippedFrom: strippedFrom)
        return Result(output: output, inputVocabularies: inputVocabularies)
    }

    /// The base's vocabulary without tokens whose id is at or past its embedding's size
    /// (mergekit's `get_stripped_tokenizer`), and the tokens removed.
    private static func strippedBase(
        _ tokenizer: ModelTokenizer, vocabularySize: Int?
    ) throws(TokenizerError) -> (TokenizerVocabulary, (Set<String>, Int?)) {
        let vocabulary = tokenizer.vocabulary
        let limit = vocabularySize ?? vocabulary.count
        let unused = Set(vocabulary.tokensByID.lazy.filter { $0.id >= limit }.map(\.token))
        guard !unused.isEmpty else { return (vocabulary, ([], nil)) }
        guard vocabulary.modelKind == .bpe else {
            throw TokenizerError(.file(
                tokenizer.tokenizerFile,
                "has \(unused.count) token(s) with ids from \(limit) on, past the embedding's \(limit) rows; only a "
                    + "BPE vocabulary can drop them (model type is \(vocabulary.modelKind.rawValue))"))
        }
        return (vocabulary.truncated(below: limit), (unused, limit))
    }

    /// mergekit's `build_union_tokenizer`: the base's tokens, then every token another model has
    /// an embedding row for. A token that some model adds as an added token keeps the flags of the
    /// first model (in recipe order, base first) that adds it; a token only in some model's
    /// learned vocabulary becomes a plain added token.
    private static func union(inputs: [TokenizerInput], base: Int, baseVocabulary: TokenizerVocabulary) -> AddedVocabulary {
        var order = [base]
        order += inputs.indices.filter { $0 != base && inputs[$0].tokenizer != nil }
        var seen = Set<TokenText>()
        var candidates: [TokenText] = []
        var firstAdded: [TokenText: AddedToken] = [:]
        var addedOrder: [TokenText] = []
        for index in order {
            let vocabulary = index == base ? baseVocabulary : (inputs[index].tokenizer?.vocabulary ?? baseVocabulary)
            let limit = inputs[index].vocabularySize ?? vocabulary.modelVocabularyCount
            for (token, id) in vocabulary.tokensByID where id < limit {
                let text = TokenText(token)
                if seen.insert(text).inserted { candidates.append(text) }
            }
            for token in vocabulary.addedTokens where token.id < limit {
                let text = TokenText(token.content)
                if firstAdded[text] == nil {
                    firstAdded[text] = token
                    addedOrder.append(text)
                }
            }
        }
        var result = AddedVocabulary(baseVocabulary)
        for token in candidates where firstAdded[token] == nil && baseVocabulary.id(of: token) == nil {
            result.add(.plain(token.string))
        }
        for content in addedOrder {
            if let token = firstAdded[content] {
                result.add(token)
            }
        }
        return result
    }
}
