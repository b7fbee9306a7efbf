import MergeKitSafetensors

/// A whole tokenizer.json as a JSON tree, for the edits that touch more than `added_tokens`.
public struct TokenizerDocument: Sendable {
    public private(set) var root: JSONObject
    public let file: String

    enum Key {
        static let model = "model"
        static let type = "type"
        static let vocab = "vocab"
        static let merges = "merges"
        static let addedTokens = "added_tokens"
    }

    public init(root: JSONObject, file: String) {
        self.root = root
        self.file = file
    }

    /// Reads and parses `path`.
    public static func read(_ path: String) throws(TokenizerError) -> TokenizerDocument {
        let value = try TokenizerFileReader.json(at: path)
        guard let object = value.objectValue else {
            throw TokenizerError(.file(path, "must hold a JSON object; found \(value.typeDescription)"))
        }
        return TokenizerDocument(root: object, file: path)
    }

    /// Parses the tokenizer.json of `source` (read from its folder, or in memory).
    static func read(_ source: TokenizerSourceFiles) throws(TokenizerError) -> TokenizerDocument {
        guard source.isInMemory else { return try read(source.tokenizerFile) }
        let file = source.tokenizerFile
        let value = try source.withTokenizerJSON { bytes throws(TokenizerError) in try TokenizerFileReader.json(bytes, file: file) }
        guard let object = value.objectValue else {
            throw TokenizerError(.file(file, "must hold a JSON object; found \(value.typeDescription)"))
        }
        return TokenizerDocument(root: object, file: file)
    }

    static func addedTokensJSON(_ tokens: [AddedToken]) -> JSONValue {
        .array(tokens.sorted { $0.id < $1.id }.map(\.json))
    }

    /// Replaces `added_tokens` (written in id order).
    public mutating func setAddedTokens(_ tokens: [AddedToken]) {
        root[Key.addedTokens] = Self.addedTokensJSON(tokens)
    }

    /// Removes `tokens` from a BPE model's vocabulary, with every merge that uses or makes one of
    /// them, and drops added tokens with an id at or past `limit` (mergekit's
    /// `get_stripped_tokenizer`). Other model types cannot lose tokens without renumbering, so
    /// mergekit refuses them, and so does this.
    public mutating func strip(_ tokens: Set<String>, limit: Int) throws(TokenizerError) {
        guard var model = root[Key.model]?.objectValue else {
            throw TokenizerError(.file(file, "has no 'model' object"))
        }
        let type = model[Key.type]?.stringValue ?? "(none)"
        guard type == TokenizerModelKind.bpe.rawValue else {
            throw TokenizerError(.file(
                file, "has \(tokens.count) token(s) without an embedding row (ids from \(limit) on), and only a BPE "
                    + "vocabulary can drop tokens; model type is \(type)"))
        }
        let removed = Set(tokens.map(TokenText.init))
        if let vocab = model[Key.vocab]?.objectValue {
            model[Key.vocab] = .object(JSONObject(vocab.entries.filter { !removed.contains(TokenText($0.key)) }
                .map { (key: $0.key, value: $0.value) }))
        }
        if let merges = model[Key.merges]?.arrayValue {
            var kept: [JSONValue] = []
            kept.reserveCapacity(merges.count)
            for (index, merge) in merges.enumerated() {
                let (left, right) = try Self.mergePair(merge, file: file, index: index)
                if !removed.contains(TokenText(left)) && !removed.contains(TokenText(right))
                    && !removed.contains(TokenText(left + right)) {
                    kept.append(merge)
                }
            }
            model[Key.merges] = .array(kept)
        }
        root[Key.model] = .object(model)
        if let added = root[Key.addedTokens]?.arrayValue {
            root[Key.addedTokens] = .array(added.filter { ($0["id"]?.intValue ?? 0) < limit })
        }
    }

    /// A merge written as `"a b"` or `["a", "b"]`.
    private static func mergePair(_ merge: JSONValue, file: String, index: Int) throws(TokenizerError) -> (String, String) {
        if let text = merge.stringValue {
            let parts = text.split(separator: " ", omittingEmptySubsequences: false)
            if parts.count == 2 {
                return (String(parts[0]), String(parts[1]))
            }
        } else if let pair = merge.arrayValue, pair.count == 2, let left = pair[0].stringValue,
                  let right = pair[1].stringValue {
            return (left, right)
        }
        throw TokenizerError(.file(file, "model.merges[\(index)] is neither \"a b\" nor [\"a\", \"b\"]"))
    }

    /// The file's bytes: two-space indented JSON, keys in their original order, non-ASCII as UTF-8.
    public func serialized() -> [UInt8] {
        Array(JSONValue.object(root).serialized(pretty: true).utf8)
    }
}
