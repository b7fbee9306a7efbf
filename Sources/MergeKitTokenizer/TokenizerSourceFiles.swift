public import MergeKitSafetensors

/// The files around a model's tokenizer.json that travel with it into the output: everything
/// the writer needs from the source tokenizer except its vocabulary. They are read from a
/// folder, or made in memory (the tokenizer a stage of a multi-stage recipe would write, which
/// later stages read without anything being written).
public struct TokenizerSourceFiles: Sendable {
    /// The folder the files are in; for files made in memory, what names them in messages.
    public let directory: String
    /// tokenizer.json's bytes when the files are made in memory; nil when it is read from `directory`.
    public let tokenizerJSON: [UInt8]?
    /// tokenizer_config.json, when present.
    public let configuration: JSONObject?
    /// special_tokens_map.json, when present.
    public let specialTokensMap: JSONValue?
    /// chat_template.jinja, when present.
    public let chatTemplateFile: String?

    public enum FileName {
        public static let tokenizer = "tokenizer.json"
        public static let configuration = "tokenizer_config.json"
        public static let specialTokensMap = "special_tokens_map.json"
        public static let chatTemplate = "chat_template.jinja"
    }

    enum ConfigurationKey {
        static let chatTemplate = "chat_template"
        static let addedTokensDecoder = "added_tokens_decoder"
        static let name = "name"
        static let template = "template"
        static let defaultTemplate = "default"
    }

    public init(directory: String, configuration: JSONObject? = nil, specialTokensMap: JSONValue? = nil,
                chatTemplateFile: String? = nil, tokenizerJSON: [UInt8]? = nil) {
        self.directory = directory
        self.tokenizerJSON = tokenizerJSON
        self.configuration = configuration
        self.specialTokensMap = specialTokensMap
        self.chatTemplateFile = chatTemplateFile
    }

    /// tokenizer.json's path (for files made in memory, its name in messages).
    public var tokenizerFile: String { Self.path(directory, FileName.tokenizer) }

    /// Whether the files are made in memory rather than read from a folder.
    public var isInMemory: Bool { tokenizerJSON != nil }

    /// Calls `body` with tokenizer.json's bytes: those in memory, else the file's, mapped.
    func withTokenizerJSON<Result>(
        _ body: (UnsafeRawBufferPointer) throws(TokenizerError) -> Result
    ) throws(TokenizerError) -> Result {
        guard let tokenizerJSON else { return try TokenizerFileReader.withBytes(at: tokenizerFile, body) }
        return try TokenizerFileReader.withBytes(of: tokenizerJSON, body)
    }

    /// The chat template transformers would load: chat_template.jinja when present (it takes
    /// priority), else tokenizer_config.json's `chat_template` (a string, or a list of named
    /// templates of which the one named "default" counts).
    public var chatTemplate: String? {
        if let chatTemplateFile { return chatTemplateFile }
        guard let value = configuration?[ConfigurationKey.chatTemplate] else { return nil }
        if let text = value.stringValue { return text }
        return value.arrayValue?.first { $0[ConfigurationKey.name]?.stringValue == ConfigurationKey.defaultTemplate }?[
            ConfigurationKey.template]?.stringValue
    }

    static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
