import Foundation
public import MergeKitSafetensors

/// The tokenizer of one model directory: tokenizer.json (as a compact vocabulary), and the small
/// files that travel with it.
public struct ModelTokenizer: Sendable {
    public let directory: String
    public let vocabulary: TokenizerVocabulary
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
        /// A SentencePiece model; read by slow tokenizers only, not by this library.
        public static let sentencePiece = "tokenizer.model"
    }

    enum ConfigurationKey {
        static let chatTemplate = "chat_template"
        static let addedTokensDecoder = "added_tokens_decoder"
        static let name = "name"
        static let template = "template"
        static let defaultTemplate = "default"
    }

    public init(directory: String, vocabulary: TokenizerVocabulary, configuration: JSONObject? = nil,
                specialTokensMap: JSONValue? = nil, chatTemplateFile: String? = nil) {
        self.directory = directory
        self.vocabulary = vocabulary
        self.configuration = configuration
        self.specialTokensMap = specialTokensMap
        self.chatTemplateFile = chatTemplateFile
    }

    /// Reads the tokenizer files in `directory`; nil when it has no tokenizer.json.
    public static func read(directory: String) throws(TokenizerError) -> ModelTokenizer? {
        let tokenizerPath = path(directory, FileName.tokenizer)
        guard FileManager.default.fileExists(atPath: tokenizerPath) else { return nil }
        let vocabulary = try TokenizerVocabulary(document: TokenizerFileReader.json(at: tokenizerPath), file: tokenizerPath)

        var configuration: JSONObject?
        let configurationPath = path(directory, FileName.configuration)
        if FileManager.default.fileExists(atPath: configurationPath) {
            let value = try TokenizerFileReader.json(at: configurationPath)
            guard let object = value.objectValue else {
                throw TokenizerError(.file(configurationPath, "must hold a JSON object; found \(value.typeDescription)"))
            }
            configuration = object
        }
        let specialTokensPath = path(directory, FileName.specialTokensMap)
        let specialTokensMap = FileManager.default.fileExists(atPath: specialTokensPath)
            ? try TokenizerFileReader.json(at: specialTokensPath) : nil
        let templatePath = path(directory, FileName.chatTemplate)
        let templateFile = FileManager.default.fileExists(atPath: templatePath)
            ? try TokenizerFileReader.text(at: templatePath) : nil
        return ModelTokenizer(directory: directory, vocabulary: vocabulary, configuration: configuration,
                              specialTokensMap: specialTokensMap, chatTemplateFile: templateFile)
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
