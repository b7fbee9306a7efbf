import MergeKitSafetensors

/// What mergekit needs from one tokenizer.json: the token → id map (the model's vocabulary plus
/// the added tokens, as `tokenizer.get_vocab()` returns it) and the added tokens with their flags.
/// The rest of the file (normaliser, pre-tokeniser, merges, ...) is checked but not kept, so a
/// 150k-token vocabulary costs a few megabytes here, not a JSON tree of the whole file.
public struct TokenizerVocabulary: Sendable {
    public let modelKind: TokenizerModelKind
    /// The model section's token → id map (without the added tokens).
    let modelIDs: [TokenText: Int]
    /// The added tokens, ordered by id.
    public let addedTokens: [AddedToken]
    /// Added token → id; an added token's id wins over the model's for the same text.
    private let addedIDs: [TokenText: Int]
    /// The number of distinct tokens (`len(tokenizer.get_vocab())`).
    public let count: Int

    init(modelKind: TokenizerModelKind, modelIDs: [TokenText: Int], addedTokens: [AddedToken]) {
        self.modelKind = modelKind
        self.modelIDs = modelIDs
        let sortedAdded = addedTokens.sorted { $0.id < $1.id }
        self.addedTokens = sortedAdded
        var addedIDs: [TokenText: Int] = [:]
        for token in sortedAdded {
            addedIDs[TokenText(token.content)] = token.id
        }
        self.addedIDs = addedIDs
        count = modelIDs.count + addedIDs.keys.filter { modelIDs[$0] == nil }.count
    }

    public init(modelKind: TokenizerModelKind, modelVocabulary: [String: Int], addedTokens: [AddedToken]) {
        var modelIDs: [TokenText: Int] = [:]
        for (token, id) in modelVocabulary {
            modelIDs[TokenText(token)] = id
        }
        self.init(modelKind: modelKind, modelIDs: modelIDs, addedTokens: addedTokens)
    }

    /// How many entries the model's own vocabulary has (the tokenizers library's
    /// `model.get_vocab_size()`); new added tokens get ids from here on.
    public var modelVocabularyCount: Int { modelIDs.count }

    /// The id of `token` (`tokenizer.get_vocab()[token]`).
    public func id(of token: String) -> Int? {
        id(of: TokenText(token))
    }

    func id(of token: TokenText) -> Int? {
        addedIDs[token] ?? modelIDs[token]
    }

    /// The id of `token` in the model's own vocabulary (ignoring added tokens).
    public func modelID(of token: String) -> Int? {
        modelIDs[TokenText(token)]
    }

    /// Every token with its id, ordered by id (ties, which well-formed files do not have, by
    /// text): the order in which this library walks a vocabulary wherever mergekit walks a hash
    /// map, so the output does not depend on hashing.
    public var tokensByID: [(token: String, id: Int)] {
        var entries = modelIDs.compactMap { entry -> (token: String, id: Int)? in
            addedIDs[entry.key] == nil ? (token: entry.key.string, id: entry.value) : nil
        }
        entries += addedIDs.map { (token: $0.key.string, id: $0.value) }
        return Self.sortedByID(entries)
    }

    /// The model's own vocabulary, ordered by id.
    public var modelTokensByID: [(token: String, id: Int)] {
        Self.sortedByID(modelIDs.map { (token: $0.key.string, id: $0.value) })
    }

    private static func sortedByID(_ entries: [(token: String, id: Int)]) -> [(token: String, id: Int)] {
        entries.sorted { $0.id != $1.id ? $0.id < $1.id : Array($0.token.utf8).lexicographicallyPrecedes(Array($1.token.utf8)) }
    }

    /// This vocabulary without the tokens whose id is `limit` or more (a base whose embedding has
    /// fewer rows than its tokenizer has tokens).
    func truncated(below limit: Int) -> TokenizerVocabulary {
        TokenizerVocabulary(
            modelKind: modelKind, modelIDs: modelIDs.filter { (addedIDs[$0.key] ?? $0.value) < limit },
            addedTokens: addedTokens.filter { $0.id < limit })
    }

    // MARK: Reading tokenizer.json

    /// Reads the tokenizer.json at `path`.
    public static func read(_ path: String) throws(TokenizerError) -> TokenizerVocabulary {
        try TokenizerFileReader.withBytes(at: path) { bytes throws(TokenizerError) in
            try TokenizerVocabulary(tokenizerJSON: bytes, file: path)
        }
    }

    /// Reads tokenizer.json's bytes (`file` names it in errors), building only the vocabulary.
    public init(tokenizerJSON bytes: UnsafeRawBufferPointer, file: String) throws(TokenizerError) {
        let top = try Self.members(of: bytes, at: 0..<bytes.count, named: "the file", file: file)
        guard let modelRange = top.last(where: { $0.key == TokenizerDocument.Key.model })?.value else {
            throw TokenizerError(.file(file, "has no 'model' object"))
        }
        let model = try Self.members(of: bytes, at: modelRange, named: "'model'", file: file)
        func member(_ key: String) -> Range<Int>? { model.last { $0.key == key }?.value }
        guard let typeRange = member(TokenizerDocument.Key.type),
              let type = try Self.value(of: bytes, at: typeRange, file: file).stringValue else {
            throw TokenizerError(.file(file, "'model' has no 'type' (expected one of \(Self.supportedKinds))"))
        }
        guard let kind = TokenizerModelKind(rawValue: type) else {
            throw TokenizerError(.file(file, "model type '\(type)' is not supported; expected one of \(Self.supportedKinds)"))
        }
        guard let vocabRange = member(TokenizerDocument.Key.vocab) else {
            throw TokenizerError(.file(file, "'model' has no 'vocab'"))
        }
        let modelIDs = try Self.modelIDs(of: bytes, at: vocabRange, kind: kind, file: file)

        var added: [AddedToken] = []
        if let addedRange = top.last(where: { $0.key == TokenizerDocument.Key.addedTokens })?.value {
            let list = try Self.value(of: bytes, at: addedRange, file: file)
            if !list.isNull {
                guard let entries = list.arrayValue else {
                    throw TokenizerError(.file(file, "'added_tokens' must be an array; found \(list.typeDescription)"))
                }
                for (index, entry) in entries.enumerated() {
                    added.append(try AddedToken(json: entry, file: file, index: index))
                }
            }
        }
        self.init(modelKind: kind, modelIDs: modelIDs, addedTokens: added)
    }

    static var supportedKinds: String {
        TokenizerModelKind.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The model vocabulary: an object of token → id, or for Unigram a list of [piece, score]
    /// whose positions are the ids.
    private static func modelIDs(
        of bytes: UnsafeRawBufferPointer, at range: Range<Int>, kind: TokenizerModelKind, file: String
    ) throws(TokenizerError) -> [TokenText: Int] {
        var ids: [TokenText: Int] = [:]
        switch kind {
        case .unigram:
            guard firstByte(of: bytes, in: range) == UInt8(ascii: "[") else {
                throw TokenizerError(.file(file, "a Unigram 'model.vocab' must be a list of [piece, score]"))
            }
            let elements: [Range<Int>]
            do {
                elements = try JSONParser.arrayElements(UnsafeRawBufferPointer(rebasing: bytes[range]))
            } catch {
                throw invalidJSON(error, file: file, offset: range.lowerBound)
            }
            ids.reserveCapacity(elements.count)
            for (id, element) in elements.enumerated() {
                let entry = try value(of: bytes, at: element.shifted(by: range.lowerBound), file: file)
                guard let pair = entry.arrayValue, pair.count == 2, let piece = pair[0].stringValue,
                      pair[1].doubleValue != nil else {
                    throw TokenizerError(.file(file, "model.vocab[\(id)] must be [piece, score]"))
                }
                // A repeated piece keeps its last id, as the tokenizers library's lookup does.
                ids[TokenText(piece)] = id
            }
        case .bpe, .wordPiece, .wordLevel:
            guard firstByte(of: bytes, in: range) == UInt8(ascii: "{") else {
                throw TokenizerError(.file(file, "'model.vocab' must be an object of token → id"))
            }
            let entries = try members(of: bytes, at: range, named: "'model.vocab'", file: file)
            ids.reserveCapacity(entries.count)
            for entry in entries {
                guard let id = try value(of: bytes, at: entry.value, file: file).intValue, id >= 0 else {
                    throw TokenizerError(.file(file, "model.vocab['\(entry.key)'] must be a non-negative integer id"))
                }
                ids[TokenText(entry.key)] = id
            }
        }
        return ids
    }

    /// The members of the object at `range` (ranges in the whole file's bytes).
    private static func members(
        of bytes: UnsafeRawBufferPointer, at range: Range<Int>, named name: String, file: String
    ) throws(TokenizerError) -> [(key: String, value: Range<Int>)] {
        guard firstByte(of: bytes, in: range) == UInt8(ascii: "{") else {
            throw TokenizerError(.file(file, "\(name) must be a JSON object"))
        }
        do {
            return try JSONParser.objectMembers(UnsafeRawBufferPointer(rebasing: bytes[range]))
                .map { (key: $0.key, value: $0.value.shifted(by: range.lowerBound)) }
        } catch {
            throw invalidJSON(error, file: file, offset: range.lowerBound)
        }
    }

    private static func value(
        of bytes: UnsafeRawBufferPointer, at range: Range<Int>, file: String
    ) throws(TokenizerError) -> JSONValue {
        do {
            return try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[range]))
        } catch {
            throw invalidJSON(error, file: file, offset: range.lowerBound)
        }
    }

    private static func firstByte(of bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> UInt8? {
        bytes[range].first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
    }

    private static func invalidJSON(_ error: JSONParseError, file: String, offset: Int) -> TokenizerError {
        TokenizerError(.file(file, "is not valid JSON: byte \(error.byteOffset + offset): \(error.kind)"))
    }
}

extension Range<Int> {
    func shifted(by offset: Int) -> Range<Int> {
        (lowerBound + offset)..<(upperBound + offset)
    }
}
