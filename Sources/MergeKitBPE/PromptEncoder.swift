import Foundation
import MergeKitSafetensors

/// Turns prompt text into token ids exactly as Hugging Face's tokenizer does with
/// `add_special_tokens=False` (what mergekit-moe encodes its gate prompts with), for BPE
/// tokenizers: byte-level (GPT-2, Qwen2, Llama-3) and SentencePiece-style with byte fallback
/// (Llama-2, Mistral).
///
/// transformers 5 decides the pipeline by `tokenizer_class` in tokenizer_config.json:
/// `PreTrainedTokenizerFast` (and no class) use tokenizer.json as written; `LlamaTokenizer`,
/// `Qwen2Tokenizer` and `GPT2Tokenizer` keep only its vocabulary and merges and rebuild the rest
/// (normalizer, pre-tokenizer, BPE options) the way their class does, which this mirrors. Any
/// other class, or a component not implemented here, is an error rather than a guess.
public struct PromptEncoder: Sendable {
    /// The beginning-of-sequence token's text, if the tokenizer has one.
    public let bosToken: String?
    /// `tokenizer_class` without a `Fast` suffix (`PreTrainedTokenizer` when absent).
    public let tokenizerClass: String
    private let rawAddedTokens: AddedTokenMatcher
    private let normalizedAddedTokens: AddedTokenMatcher
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let model: BPEModel

    public static let supportedClasses = ["PreTrainedTokenizer", "TokenizersBackend", "LlamaTokenizer", "Qwen2Tokenizer", "GPT2Tokenizer"]

    /// Qwen2Tokenizer's split (transformers' `PRETOKENIZE_REGEX`).
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Reads `tokenizer.json` and `tokenizer_config.json` (optional) from `directory`.
    public init(directory: String) throws(TokenizerError) {
        let jsonPath = (directory as NSString).appendingPathComponent("tokenizer.json")
        let configPath = (directory as NSString).appendingPathComponent("tokenizer_config.json")
        let json = TokenizerJSON(file: jsonPath, root: try Self.read(jsonPath, required: true) ?? .null)
        let config = try Self.read(configPath, required: false) ?? [:]
        let specialTokensMap = try Self.read((directory as NSString).appendingPathComponent("special_tokens_map.json"), required: false) ?? [:]

        var className = config["tokenizer_class"]?.stringValue ?? "PreTrainedTokenizer"
        if className.hasSuffix("Fast") { className.removeLast(4) }
        if className == "TokenizersBackend" { className = "PreTrainedTokenizer" }
        func configToken(_ key: String, default fallback: String?) -> String? {
            for source in [config, specialTokensMap] {
                guard let value = source[key] else { continue }
                return value.stringValue ?? value["content"]?.stringValue
            }
            return fallback
        }

        let vocabulary = try json.vocabulary()
        let merges = try json.merges()
        let bos: String?
        switch className {
        case "PreTrainedTokenizer":
            bos = configToken("bos_token", default: nil)
            normalizer = try json.normalizer()
            preTokenizer = try json.preTokenizer()
            model = try BPEModel(
                vocabulary: vocabulary, merges: merges, unknownToken: json.unknownToken,
                byteFallback: json.modelFlag("byte_fallback"), fuseUnknown: json.modelFlag("fuse_unk"),
                ignoreMerges: json.modelFlag("ignore_merges"), file: jsonPath)
        case "LlamaTokenizer":
            bos = configToken("bos_token", default: "<s>")
            let addPrefixSpace = config["add_prefix_space"]?.boolValue ?? true
            let legacy = config["legacy"]?.boolValue ?? false
            normalizer = nil
            preTokenizer = .metaspace(
                replacement: "▁", prependScheme: addPrefixSpace ? (legacy ? .always : .first) : .never, split: false)
            model = try BPEModel(
                vocabulary: vocabulary, merges: merges, unknownToken: configToken("unk_token", default: "<unk>"),
                byteFallback: true, fuseUnknown: true, ignoreMerges: false, file: jsonPath)
        case "Qwen2Tokenizer":
            bos = configToken("bos_token", default: nil)
            normalizer = .nfc
            preTokenizer = .sequence([
                .split(try TokenizerJSON.compile(Self.qwen2Pattern, file: jsonPath), .isolated),
                .byteLevel(addPrefixSpace: config["add_prefix_space"]?.boolValue ?? false, splitPattern: nil),
            ])
            model = try BPEModel(
                vocabulary: vocabulary, merges: merges, unknownToken: nil, byteFallback: false, fuseUnknown: false,
                ignoreMerges: false, file: jsonPath)
        case "GPT2Tokenizer":
            bos = configToken("bos_token", default: "<|endoftext|>")
            normalizer = nil
            preTokenizer = .byteLevel(
                addPrefixSpace: config["add_prefix_space"]?.boolValue ?? false, splitPattern: try TokenizerJSON.gpt2Pattern(file: jsonPath))
            model = try BPEModel(
                vocabulary: vocabulary, merges: merges, unknownToken: nil, byteFallback: false, fuseUnknown: false,
                ignoreMerges: false, file: jsonPath)
        default:
            throw TokenizerError(
                file: configPath,
                "tokenizer_class '\(className)' is not supported by the prompt encoder (supported: \(Self.supportedClasses.joined(separator: ", ")))")
        }
        bosToken = bos.flatMap { $0.isEmpty ? nil : $0 }
        tokenizerClass = className

        // Added tokens: tokenizer.json's, tokenizer_config.json's added_tokens_decoder, and the
        // special tokens the config names (matched raw, never normalized).
        var added: [String: AddedToken] = [:]
        for token in try json.addedTokens() { added[token.content] = token }
        for entry in config["added_tokens_decoder"]?.objectValue ?? JSONObject() {
            guard let id = Int(entry.key), id >= 0, let content = entry.value["content"]?.stringValue else {
                throw TokenizerError(file: configPath, "added_tokens_decoder['\(entry.key)'] is not a token id with a content string")
            }
            let special = entry.value["special"]?.boolValue ?? false
            added[content] = AddedToken(
                content: content, id: id, special: special, normalized: entry.value["normalized"]?.boolValue ?? !special,
                leftStrip: entry.value["lstrip"]?.boolValue ?? false, rightStrip: entry.value["rstrip"]?.boolValue ?? false,
                singleWord: entry.value["single_word"]?.boolValue ?? false)
        }
        for key in ["bos_token", "eos_token", "unk_token", "pad_token"] {
            guard let content = configToken(key, default: key == "bos_token" ? bosToken : nil), added[content] == nil,
                  let id = vocabulary[Array(content.utf8)] else { continue }
            added[content] = AddedToken(content: content, id: id, special: true, normalized: false)
        }
        rawAddedTokens = AddedTokenMatcher(added.values.filter { !$0.normalized })
        normalizedAddedTokens = AddedTokenMatcher(added.values.filter(\.normalized))
    }

    /// The token ids of `text`, without special tokens added around it.
    public func encode(_ text: String) -> [Int] {
        var pieces = rawAddedTokens.split(TextPiece(text: text, startsInput: true, token: nil))
        pieces = pieces.flatMap { piece -> [TextPiece] in
            guard piece.token == nil else { return [piece] }
            let normalized = TextPiece(text: normalizer?.apply(piece.text) ?? piece.text, startsInput: piece.startsInput, token: nil)
            return normalizedAddedTokens.split(normalized)
        }.filter { $0.token != nil || !$0.text.isEmpty }
        if let preTokenizer { pieces = preTokenizer.apply(pieces) }
        return pieces.flatMap { piece in piece.token.map { [$0] } ?? model.encode(piece.text) }
    }

    private static func read(_ path: String, required: Bool) throws(TokenizerError) -> JSONValue? {
        // Through the IO funnel, as every input: a FIFO or a device is refused, not read forever.
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            if case .cannotOpen(let cause) = error.kind, cause.code == ENOENT {
                if required { throw TokenizerError(file: path, "is missing (the prompt encoder needs the base model's tokenizer.json)") }
                return nil
            }
            throw TokenizerError(file: path, error.kind.description)
        }
        let json: JSONValue
        do {
            json = try file.withBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            throw TokenizerError(file: path, "is not valid JSON: \(error)")
        }
        if let shrunk = file.shrinkError() { throw TokenizerError(file: path, shrunk.kind.description) }
        return json
    }
}
