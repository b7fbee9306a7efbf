public import MergeKitSafetensors

/// What mergekit needs from one tokenizer.json: the token → id map (the model's vocabulary plus
/// the added tokens, as `tokenizer.get_vocab()` returns it) and the added tokens with their flags.
/// The rest of the file (normaliser, pre-tokeniser, merges, ...) is not kept, so a large
/// vocabulary costs a few megabytes here, not the whole JSON tree.
public struct TokenizerVocabulary: Sendable {
    public let modelKind: TokenizerModelKind
    /// The model section's token → id map (without the added tokens).
    public let modelVocabulary: [String: Int]
    /// The added tokens, ordered by id.
    public let addedTokens: [AddedToken]
    /// Added token → id; an added token's id wins over the model's for the same text.
    private let addedIDs: [String: Int]
    /// The number of distinct tokens (`len(tokenizer.get_vocab())`).
    public let count: Int

    public init(modelKind: TokenizerModelKind, modelVocabulary: [String: Int], addedTokens: [AddedToken]) {
        self.modelKind = modelKind
        self.modelVocabulary = modelVocabulary
        let sortedAdded = addedTokens.sorted { $0.id < $1.id }
        self.addedTokens = sortedAdded
        var addedIDs: [String: Int] = [:]
        for token in sortedAdded {
            addedIDs[token.content] = token.id
        }
        self.addedIDs = addedIDs
        count = modelVocabulary.count + addedIDs.keys.filter { modelVocabulary[$0] == nil }.count
    }

    /// Reads the parsed tokenizer.json `document` (`file` names it in errors).
    public init(document: JSONValue, file: String) throws(TokenizerError) {
        guard document.objectValue != nil else {
            throw TokenizerError(.file(file, "must hold a JSON object; found \(document.typeDescription)"))
        }
        guard let model = document[TokenizerDocument.Key.model], model.objectValue != nil else {
            throw TokenizerError(.file(file, "has no 'model' object"))
        }
        let kind = try Self.modelKind(of: model, file: file)
        let vocabulary = try Self.modelVocabulary(of: model, kind: kind, file: file)
        var added: [AddedToken] = []
        if let list = document[TokenizerDocument.Key.addedTokens], !list.isNull {
            guard let entries = list.arrayValue else {
                throw TokenizerError(.file(file, "'added_tokens' must be an array; found \(list.typeDescription)"))
            }
            for (index, entry) in entries.enumerated() {
                added.append(try AddedToken(json: entry, file: file, index: index))
            }
        }
        self.init(modelKind: kind, modelVocabulary: vocabulary, addedTokens: added)
    }

    /// How many entries the model's own vocabulary has (the tokenizers library's
    /// `model.get_vocab_size()`); new added tokens get ids from here on.
    public var modelVocabularyCount: Int { modelVocabulary.count }

    /// The id of `token` (`tokenizer.get_vocab()[token]`).
    public func id(of token: String) -> Int? {
        addedIDs[token] ?? modelVocabulary[token]
    }

    /// Every token with its id, ordered by id (ties, which well-formed files do not have, by
    /// text): the order in which this library walks a vocabulary wherever mergekit walks a hash
    /// map, so the output does not depend on hashing.
    public var tokensByID: [(token: String, id: Int)] {
        var entries = modelVocabulary.compactMap { entry -> (token: String, id: Int)? in
            addedIDs[entry.key] == nil ? (token: entry.key, id: entry.value) : nil
        }
        entries += addedIDs.map { (token: $0.key, id: $0.value) }
        return entries.sorted { ($0.id, $0.token) < ($1.id, $1.token) }
    }

    /// This vocabulary without the tokens whose id is `limit` or more (a base whose embedding has
    /// fewer rows than its tokenizer has tokens).
    func truncated(below limit: Int) -> TokenizerVocabulary {
        TokenizerVocabulary(
            modelKind: modelKind, modelVocabulary: modelVocabulary.filter { (addedIDs[$0.key] ?? $0.value) < limit },
            addedTokens: addedTokens.filter { $0.id < limit })
    }

    // MARK: Reading the model section

    static func modelKind(of model: JSONValue, file: String) throws(TokenizerError) -> TokenizerModelKind {
        guard let type = model[TokenizerDocument.Key.type]?.stringValue else {
            throw TokenizerError(.file(file, "'model' has no 'type' (expected one of \(supportedKinds))"))
        }
        guard let kind = TokenizerModelKind(rawValue: type) else {
            throw TokenizerError(.file(file, "model type '\(type)' is not supported; expected one of \(supportedKinds)"))
        }
        return kind
    }

    private static var supportedKinds: String {
        TokenizerModelKind.allCases.map(\.rawValue).joined(separator: ", ")
    }

    private static func modelVocabulary(
        of model: JSONValue, kind: TokenizerModelKind, file: String
    ) throws(TokenizerError) -> [String: Int] {
        guard let vocab = model[TokenizerDocument.Key.vocab] else {
            throw TokenizerError(.file(file, "'model' has no 'vocab'"))
        }
        var vocabulary: [String: Int] = [:]
        switch kind {
        case .unigram:
            guard let pieces = vocab.arrayValue else {
                throw TokenizerError(.file(
                    file, "a Unigram 'model.vocab' must be a list of [piece, score]; found \(vocab.typeDescription)"))
            }
            vocabulary.reserveCapacity(pieces.count)
            for (id, entry) in pieces.enumerated() {
                guard let pair = entry.arrayValue, pair.count == 2, let piece = pair[0].stringValue,
                      pair[1].doubleValue != nil else {
                    throw TokenizerError(.file(file, "model.vocab[\(id)] must be [piece, score]"))
                }
                // A repeated piece keeps its last id, as the tokenizers library's lookup does.
                vocabulary[piece] = id
            }
        case .bpe, .wordPiece, .wordLevel:
            guard let object = vocab.objectValue else {
                throw TokenizerError(.file(file, "'model.vocab' must be an object of token → id; found \(vocab.typeDescription)"))
            }
            vocabulary.reserveCapacity(object.count)
            for entry in object {
                guard let id = entry.value.intValue, id >= 0 else {
                    throw TokenizerError(.file(file, "model.vocab['\(entry.key)'] must be a non-negative integer id"))
                }
                vocabulary[entry.key] = id
            }
        }
        return vocabulary
    }
}
