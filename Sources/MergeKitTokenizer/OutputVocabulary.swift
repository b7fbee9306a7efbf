/// The vocabulary of the merged model, and the edits that turn its source tokenizer.json into
/// the output's. It keeps the tokens in a list and no lookup table, so keeping it for the whole
/// merge costs little.
public struct OutputVocabulary: Sendable {
    /// The files of the tokenizer that is edited and written.
    public let source: TokenizerSourceFiles
    /// Tokens removed from the source because its embedding has no row for them (ids at or past
    /// `strippedFrom`); empty when nothing was removed.
    public let strippedTokens: Set<String>
    public let strippedFrom: Int?
    /// Every token by id; ids are dense (0 ..< count).
    public let tokens: [String]
    /// The output's added tokens (the source's, plus those the union and `tokens:` added).
    public let addedTokens: [AddedToken]

    /// The number of tokens (`len(tokenizer.get_vocab())`): the embedding rows before padding.
    public var count: Int { tokens.count }

    init(source: TokenizerSourceFiles, vocabulary: TokenizerVocabulary, strippedTokens: Set<String>,
         strippedFrom: Int?) throws(TokenizerError) {
        self.source = source
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
