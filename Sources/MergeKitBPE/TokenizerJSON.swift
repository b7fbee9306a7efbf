import MergeKitSafetensors

/// Reads the parts of `tokenizer.json` the prompt encoder uses: the BPE model, `added_tokens`,
/// the normalizer and the pre-tokenizer. A component it does not implement is an error naming it.
struct TokenizerJSON {
    let file: String
    let root: JSONValue

    init(file: String, root: JSONValue) {
        self.file = file
        self.root = root
    }

    func fail(_ message: String) -> TokenizerError { TokenizerError(file: file, message) }

    /// `model.vocab` as UTF-8 bytes → id.
    func vocabulary() throws(TokenizerError) -> [[UInt8]: Int] {
        guard let model = root["model"]?.objectValue else { throw fail("has no \"model\" object") }
        guard let type = model["type"]?.stringValue, type == "BPE" else {
            throw fail("model type \(model["type"]?.stringValue.map { "'\($0)'" } ?? "(none)") is not supported; the prompt encoder implements BPE")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key]?.stringValue, !value.isEmpty {
                throw fail("BPE with \(key) '\(value)' is not supported")
            }
        }
        if let dropout = model["dropout"]?.doubleValue, dropout > 0 {
            throw fail("BPE dropout \(dropout) makes encoding random; it is not supported")
        }
        guard let vocab = model["vocab"]?.objectValue else { throw fail("model.vocab is not an object") }
        var result: [[UInt8]: Int] = [:]
        for entry in vocab {
            guard let id = entry.value.intValue, id >= 0 else { throw fail("model.vocab['\(entry.key)'] is not a token id") }
            result[Array(entry.key.utf8)] = id
        }
        return result
    }

    /// `model.merges`: `"a b"` strings or `["a", "b"]` pairs.
    func merges() throws(TokenizerError) -> [([UInt8], [UInt8])] {
        guard let list = root["model"]?["merges"]?.arrayValue else { return [] }
        var result: [([UInt8], [UInt8])] = []
        result.reserveCapacity(list.count)
        for (index, merge) in list.enumerated() {
            if let text = merge.stringValue {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("merge \(index) '\(text)' is not two tokens separated by a space") }
                result.append((Array(parts[0].utf8), Array(parts[1].utf8)))
            } else if let pair = merge.arrayValue, pair.count == 2, let left = pair[0].stringValue, let right = pair[1].stringValue {
                result.append((Array(left.utf8), Array(right.utf8)))
            } else {
                throw fail("merge \(index) is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }
        return result
    }

    func modelFlag(_ key: String) -> Bool { root["model"]?[key]?.boolValue ?? false }

    var unknownToken: String? { root["model"]?["unk_token"]?.stringValue }

    func addedTokens() throws(TokenizerError) -> [AddedToken] {
        guard let list = root["added_tokens"]?.arrayValue else { return [] }
        var tokens: [AddedToken] = []
        for (index, entry) in list.enumerated() {
            guard let content = entry["content"]?.stringValue, let id = entry["id"]?.intValue, id >= 0 else {
                throw fail("added_tokens[\(index)] has no content or no valid id")
            }
            let special = entry["special"]?.boolValue ?? false
            tokens.append(AddedToken(
                content: content, id: id, special: special, normalized: entry["normalized"]?.boolValue ?? !special,
                leftStrip: entry["lstrip"]?.boolValue ?? false, rightStrip: entry["rstrip"]?.boolValue ?? false,
                singleWord: entry["single_word"]?.boolValue ?? false))
        }
        return tokens
    }

    func normalizer() throws(TokenizerError) -> Normalizer? {
        guard let value = root["normalizer"], !value.isNull else { return nil }
        return try normalizer(value)
    }

    private func normalizer(_ value: JSONValue) throws(TokenizerError) -> Normalizer {
        let type = value["type"]?.stringValue ?? "(none)"
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Prepend":
            guard let prefix = value["prepend"]?.stringValue else { throw fail("Prepend normalizer without \"prepend\"") }
            return .prepend(prefix)
        case "Replace":
            guard let content = value["content"]?.stringValue else { throw fail("Replace normalizer without \"content\"") }
            return .replace(try pattern(value["pattern"], component: "Replace normalizer"), content)
        case "Strip":
            return .strip(left: value["strip_left"]?.boolValue ?? false, right: value["strip_right"]?.boolValue ?? false)
        case "Sequence":
            var steps: [Normalizer] = []
            for step in value["normalizers"]?.arrayValue ?? [] { steps.append(try normalizer(step)) }
            return .sequence(steps)
        default:
            throw fail("normalizer '\(type)' is not supported by the prompt encoder")
        }
    }

    func preTokenizer() throws(TokenizerError) -> PreTokenizer? {
        guard let value = root["pre_tokenizer"], !value.isNull else { return nil }
        return try preTokenizer(value)
    }

    private func preTokenizer(_ value: JSONValue) throws(TokenizerError) -> PreTokenizer {
        let type = value["type"]?.stringValue ?? "(none)"
        switch type {
        case "ByteLevel":
            return .byteLevel(
                addPrefixSpace: value["add_prefix_space"]?.boolValue ?? true,
                splitPattern: (value["use_regex"]?.boolValue ?? true) ? try Self.gpt2Pattern(file: file) : nil)
        case "Split":
            if value["invert"]?.boolValue == true { throw fail("Split pre-tokenizer with invert: true is not supported") }
            let name = value["behavior"]?.stringValue ?? "(none)"
            guard let behavior = PreTokenizer.SplitBehavior(rawValue: name) else {
                throw fail("Split pre-tokenizer behavior '\(name)' is not supported")
            }
            return .split(try pattern(value["pattern"], component: "Split pre-tokenizer"), behavior)
        case "Metaspace":
            guard let replacement = value["replacement"]?.stringValue else { throw fail("Metaspace without \"replacement\"") }
            var scheme = PreTokenizer.PrependScheme.always
            if let name = value["prepend_scheme"]?.stringValue {
                guard let parsed = PreTokenizer.PrependScheme(rawValue: name) else {
                    throw fail("Metaspace prepend_scheme '\(name)' is not supported")
                }
                scheme = parsed
            }
            if value["add_prefix_space"]?.boolValue == false { scheme = .never }
            return .metaspace(replacement: replacement, prependScheme: scheme, split: value["split"]?.boolValue ?? true)
        case "Sequence":
            var steps: [PreTokenizer] = []
            for step in value["pretokenizers"]?.arrayValue ?? [] { steps.append(try preTokenizer(step)) }
            return .sequence(steps)
        default:
            throw fail("pre-tokenizer '\(type)' is not supported by the prompt encoder")
        }
    }

    private func pattern(_ value: JSONValue?, component: String) throws(TokenizerError) -> TextPattern {
        if let literal = value?["String"]?.stringValue { return TextPattern(literal: literal) }
        if let regex = value?["Regex"]?.stringValue { return try Self.compile(regex, file: file) }
        throw fail("\(component) has no String or Regex pattern")
    }

    static func compile(_ regex: String, file: String) throws(TokenizerError) -> TextPattern {
        do {
            return try TextPattern(regex: regex)
        } catch {
            throw TokenizerError(file: file, "regular expression \(regex) cannot be used: \(error)")
        }
    }

    static func gpt2Pattern(file: String) throws(TokenizerError) -> TextPattern {
        try compile(PreTokenizer.gpt2Pattern, file: file)
    }
}
