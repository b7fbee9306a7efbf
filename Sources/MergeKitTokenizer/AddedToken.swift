import MergeKitSafetensors

/// An entry of tokenizer.json's `added_tokens`: a token matched in the text before the model
/// splits it, with the flags that say how.
public struct AddedToken: Sendable, Equatable, Hashable {
    public var id: Int
    public var content: String
    public var singleWord: Bool
    public var leftStrip: Bool
    public var rightStrip: Bool
    /// Matched after normalisation (lower-casing, NFKC, ...) rather than in the raw text.
    public var normalized: Bool
    /// A special token (skipped when decoding with `skip_special_tokens`).
    public var special: Bool

    public init(id: Int, content: String, singleWord: Bool = false, leftStrip: Bool = false,
                rightStrip: Bool = false, normalized: Bool, special: Bool) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized
        self.special = special
    }

    /// What `tokenizer.add_tokens("text")` adds: a normalised, non-special token (the id is
    /// assigned when it is added).
    public static func plain(_ content: String) -> AddedToken {
        AddedToken(id: -1, content: content, normalized: true, special: false)
    }

    /// The same flags and content (the id aside): how the tokenizers library compares added tokens.
    public func hasSameSettings(as other: AddedToken) -> Bool {
        content == other.content && singleWord == other.singleWord && leftStrip == other.leftStrip
            && rightStrip == other.rightStrip && normalized == other.normalized && special == other.special
    }

    // MARK: JSON

    /// The JSON keys, in the order the tokenizers library writes them.
    enum Key {
        static let id = "id"
        static let content = "content"
        static let singleWord = "single_word"
        static let leftStrip = "lstrip"
        static let rightStrip = "rstrip"
        static let normalized = "normalized"
        static let special = "special"
    }

    /// Reads one `added_tokens` entry. A missing flag takes the tokenizers library's default
    /// (false; `normalized` defaults to the opposite of `special`).
    init(json: JSONValue, file: String, index: Int) throws(TokenizerError) {
        let place = "added_tokens[\(index)]"
        guard json.objectValue != nil else {
            throw TokenizerError(.file(file, "\(place) must be an object; found \(json.typeDescription)"))
        }
        guard let id = json[Key.id]?.intValue, id >= 0 else {
            throw TokenizerError(.file(file, "\(place) needs a non-negative integer 'id'"))
        }
        guard let content = json[Key.content]?.stringValue else {
            throw TokenizerError(.file(file, "\(place) needs a string 'content'"))
        }
        func flag(_ key: String, default value: Bool) throws(TokenizerError) -> Bool {
            guard let member = json[key], !member.isNull else { return value }
            guard let bool = member.boolValue else {
                throw TokenizerError(.file(file, "\(place).\(key) must be true or false; found \(member.typeDescription)"))
            }
            return bool
        }
        let special = try flag(Key.special, default: false)
        self.init(id: id, content: content, singleWord: try flag(Key.singleWord, default: false),
                  leftStrip: try flag(Key.leftStrip, default: false), rightStrip: try flag(Key.rightStrip, default: false),
                  normalized: try flag(Key.normalized, default: !special), special: special)
    }

    /// The tokenizer.json form.
    var json: JSONValue {
        [
            Key.id: .integer(id), Key.content: .string(content), Key.singleWord: .bool(singleWord),
            Key.leftStrip: .bool(leftStrip), Key.rightStrip: .bool(rightStrip),
            Key.normalized: .bool(normalized), Key.special: .bool(special),
        ]
    }

    /// The tokenizer_config.json `added_tokens_decoder` form (transformers writes no id inside,
    /// since the id is the key).
    var decoderJSON: JSONValue {
        [
            Key.content: .string(content), Key.leftStrip: .bool(leftStrip), Key.normalized: .bool(normalized),
            Key.rightStrip: .bool(rightStrip), Key.singleWord: .bool(singleWord), Key.special: .bool(special),
        ]
    }
}
