import MergeKitSafetensors

/// The tokenizer files of the output directory, as bytes ready to write.
public struct TokenizerFiles: Sendable {
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: [UInt8]
    }

    public let files: [File]

    /// The files for `vocabulary` (its source's files, edited) with `chatTemplate` when one is
    /// set, else the source's own template.
    public static func make(for vocabulary: OutputVocabulary, chatTemplate: String?) throws(TokenizerError) -> TokenizerFiles {
        let tokenizerJSON = try TokenizerJSONWriter.write(
            source: vocabulary.source, addedTokens: vocabulary.addedTokens,
            strippedTokens: vocabulary.strippedTokens, strippedFrom: vocabulary.strippedFrom)
        return make(source: vocabulary.source, tokenizerJSON: tokenizerJSON, addedTokens: vocabulary.addedTokens,
                    chatTemplate: chatTemplate)
    }

    /// The files of `tokenizer` unchanged but for `chatTemplate` (a recipe with `chat_template`
    /// and no tokenizer source: mergekit re-saves the base's tokenizer with the template).
    public static func make(copying tokenizer: ModelTokenizer, chatTemplate: String?) throws(TokenizerError) -> TokenizerFiles {
        let tokenizerJSON = try tokenizer.files.withTokenizerJSON { Array($0) }
        return make(source: tokenizer.files, tokenizerJSON: tokenizerJSON, addedTokens: tokenizer.vocabulary.addedTokens,
                    chatTemplate: chatTemplate)
    }

    /// tokenizer.json, then tokenizer_config.json (when the source has one, or a template is
    /// set), special_tokens_map.json (when the source has one) and chat_template.jinja (when
    /// there is a template). The template goes both into chat_template.jinja (which
    /// transformers ≥ 4.43 reads first) and tokenizer_config.json (which older versions read).
    private static func make(
        source: TokenizerSourceFiles, tokenizerJSON: [UInt8], addedTokens: [AddedToken], chatTemplate: String?
    ) -> TokenizerFiles {
        typealias Name = TokenizerSourceFiles.FileName
        typealias Key = TokenizerSourceFiles.ConfigurationKey
        var files = [File(name: Name.tokenizer, bytes: tokenizerJSON)]
        if source.configuration != nil || chatTemplate != nil {
            var configuration = source.configuration ?? JSONObject()
            if configuration[Key.addedTokensDecoder] != nil {
                configuration[Key.addedTokensDecoder] = .object(JSONObject(
                    addedTokens.sorted { $0.id < $1.id }.map { (key: String($0.id), value: $0.decoderJSON) }))
            }
            if let chatTemplate {
                configuration[Key.chatTemplate] = .string(chatTemplate)
            }
            files.append(File(name: Name.configuration, bytes: jsonFile(.object(configuration))))
        }
        if let map = source.specialTokensMap {
            files.append(File(name: Name.specialTokensMap, bytes: jsonFile(map)))
        }
        if let template = chatTemplate ?? source.chatTemplateFile {
            files.append(File(name: Name.chatTemplate, bytes: Array(template.utf8)))
        }
        return TokenizerFiles(files: files)
    }

    private static func jsonFile(_ value: JSONValue) -> [UInt8] {
        Array((value.serialized(pretty: true) + "\n").utf8)
    }

    /// The names of the files written, so a caller copying other tokenizer files from a model
    /// knows which ones these replace.
    public var names: [String] { files.map(\.name) }

    /// The content of the file `name`, if written.
    public func bytes(of name: String) -> [UInt8]? {
        files.first { $0.name == name }?.bytes
    }
}
