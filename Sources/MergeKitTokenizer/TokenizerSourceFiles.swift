public import MergeKitSafetensors

/// The files around a model's tokenizer.json that travel with it into the output: everything
/// the writer needs from the source tokenizer except its vocabulary.
public struct TokenizerSourceFiles: Sendable {
    public let directory: String
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
                chatTemplateFile: String? = nil) {
        self.directory = directory
        self.configuration = configuration
        self.specialTokensMap = specialTokensMap
        self.chatTemplateFile = chatTemplateFile
    }

    public var tokenizerFile: String { Self.path(directory, FileName.tokenizer) }

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
