/// A tokenizer's vocabulary while tokens are added to it, with the tokenizers library's rules
/// (`Tokenizer.add_tokens`, which transformers' `add_tokens` calls):
/// - a token equal to an added token in text and every flag is ignored;
/// - a token already in the vocabulary keeps its id and becomes an added token with the new
///   flags (so a learned token can turn into an added one, and an added token's flags can change);
/// - a new token gets the next id: the model vocabulary's size, or one past the largest added id
///   when that is larger.
struct AddedVocabulary {
    private let base: TokenizerVocabulary
    private var addedByID: [Int: AddedToken]
    private var addedIDs: [TokenText: Int]
    private var largestAddedID: Int?

    init(_ vocabulary: TokenizerVocabulary) {
        base = vocabulary
        addedByID = [:]
        addedIDs = [:]
        for token in vocabulary.addedTokens {
            addedByID[token.id] = token
            addedIDs[TokenText(token.content)] = token.id
        }
        largestAddedID = vocabulary.addedTokens.last?.id
    }

    func id(of token: TokenText) -> Int? {
        addedIDs[token] ?? base.modelIDs[token]
    }

    /// Adds `token` (its `id` is ignored); returns the id it has afterwards, or nil when it was
    /// ignored (empty, or already added with the same flags).
    @discardableResult
    mutating func add(_ token: AddedToken) -> Int? {
        guard !token.content.isEmpty else { return nil }
        let text = TokenText(token.content)
        if let existing = addedIDs[text], let current = addedByID[existing], current.hasSameSettings(as: token) {
            return nil
        }
        let id = self.id(of: text) ?? nextID
        var stored = token
        stored.id = id
        addedByID[id] = stored
        addedIDs[text] = id
        largestAddedID = max(largestAddedID ?? id, id)
        return id
    }

    private var nextID: Int {
        let modelCount = base.modelVocabularyCount
        guard let largest = largestAddedID, largest >= modelCount || modelCount == 0 else { return modelCount }
        return largest + 1
    }

    /// The resulting vocabulary.
    var vocabulary: TokenizerVocabulary {
        TokenizerVocabulary(modelKind: base.modelKind, modelIDs: base.modelIDs, addedTokens: Array(addedByID.values))
    }
}
