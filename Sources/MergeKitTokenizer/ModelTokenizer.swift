import Foundation
public import MergeKitSafetensors

/// The tokenizer of one model directory: tokenizer.json as a compact vocabulary, and the small
/// files that travel with it.
public struct ModelTokenizer: Sendable {
    public let vocabulary: TokenizerVocabulary
    public let files: TokenizerSourceFiles

    public init(vocabulary: TokenizerVocabulary, files: TokenizerSourceFiles) {
        self.vocabulary = vocabulary
        self.files = files
    }

    public init(directory: String, vocabulary: TokenizerVocabulary, configuration: JSONObject? = nil,
                specialTokensMap: JSONValue? = nil, chatTemplateFile: String? = nil) {
        self.init(vocabulary: vocabulary, files: TokenizerSourceFiles(
            directory: directory, configuration: configuration, specialTokensMap: specialTokensMap,
            chatTemplateFile: chatTemplateFile))
    }

    /// Reads the tokenizer files in `directory`; nil when it has no tokenizer.json.
    public static func read(directory: String) throws(TokenizerError) -> ModelTokenizer? {
        typealias Name = TokenizerSourceFiles.FileName
        func path(_ name: String) -> String { TokenizerSourceFiles.path(directory, name) }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
        guard exists(Name.tokenizer) else { return nil }
        let vocabulary = try TokenizerVocabulary.read(path(Name.tokenizer))

        var configuration: JSONObject?
        if exists(Name.configuration) {
            let value = try TokenizerFileReader.json(at: path(Name.configuration))
            guard let object = value.objectValue else {
                throw TokenizerError(.file(path(Name.configuration), "must hold a JSON object; found \(value.typeDescription)"))
            }
            configuration = object
        }
        let specialTokensMap = exists(Name.specialTokensMap) ? try TokenizerFileReader.json(at: path(Name.specialTokensMap)) : nil
        let templateFile = exists(Name.chatTemplate) ? try TokenizerFileReader.text(at: path(Name.chatTemplate)) : nil
        return ModelTokenizer(directory: directory, vocabulary: vocabulary, configuration: configuration,
                              specialTokensMap: specialTokensMap, chatTemplateFile: templateFile)
    }

    public var directory: String { files.directory }
    public var tokenizerFile: String { files.tokenizerFile }
    public var configuration: JSONObject? { files.configuration }
    public var chatTemplateFile: String? { files.chatTemplateFile }
    /// See `TokenizerSourceFiles.chatTemplate`.
    public var chatTemplate: String? { files.chatTemplate }
}
