/// The vocabulary of the merged model, and the edits that turn its source tokenizer.json into
/// the output's.
public struct OutputVocabulary: Sendable {
    /// The tokenizer whose files are edited and written.
    public let source: ModelTokenizer
    /// Tokens removed from the source because its embedding has no row for them (ids at or past
    /// `strippedFrom`); empty when nothing was removed.
    public let strippedTokens: Set<String>
    public let strippedFrom: Int?
    /// Every token by id; ids are dense (0 ..< count).
    public let tokens: [String]
    /// The output's added tokens (the source's, plus those the union and `tokens:` added).
    public let addedTokens: [AddedToken]
    /// The full vocabulary, for lookups.
    public let vocabulary: TokenizerVocabulary

    /// The number of tokens (`len(tokenizer.get_vocab())`): the embedding rows before padding.
    public var count: Int { tokens.count }

    /// The output's id of `token`.
    public func id(of token: String) -> Int? { vocabulary.id(of: token) }

    init(source: ModelTokenizer, vocabulary: TokenizerVocabulary, strippedTokens: Set<String>,
         strippedFrom: Int?) throws(TokenizerError) {
        self.source = source
        self.vocabulary = vocabulary
        self.strippedTokens = strippedTokens
        self.strippedFrom = strippedFrom
        self.addedTokens = vocabulary.addedTokens
        var tokens = [String?](repeating: nil, count: vocabulary.count)
        for (token, id) in vocabulary.tokensByID {
            guard id < tokens.count, tokens[id] == nil else {
                throw TokenizerError(.file(
                    source.tokenizerFile,
                    "token ids are not dense: '\(token)' has id \(id), but the vocabulary has \(vocabulary.count) "
                        + "tokens (every id below the token count must be used exactly once)"))
            }
            tokens[id] = token
        }
        self.tokens = tokens.map { $0 ?? "" }
    }
}
