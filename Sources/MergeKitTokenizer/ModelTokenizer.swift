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

    /// The tokenizer `files` make (those a stage of a multi-stage recipe would write), read in
    /// memory as from a folder; `name` names them in messages (`name/tokenizer.json`). nil when
    /// there is no tokenizer.json.
    public static func read(files: TokenizerFiles, name: String) throws(TokenizerError) -> ModelTokenizer? {
        typealias Name = TokenizerSourceFiles.FileName
        guard let tokenizerJSON = files.bytes(of: Name.tokenizer) else { return nil }
        func file(_ fileName: String) -> String { TokenizerSourceFiles.path(name, fileName) }
        let vocabulary = try TokenizerFileReader.withBytes(of: tokenizerJSON) { bytes throws(TokenizerError) in
            try TokenizerVocabulary(tokenizerJSON: bytes, file: file(Name.tokenizer))
        }
        func json(_ fileName: String) throws(TokenizerError) -> JSONValue? {
            guard let content = files.bytes(of: fileName) else { return nil }
            return try TokenizerFileReader.withBytes(of: content) { bytes throws(TokenizerError) in try TokenizerFileReader.json(bytes, file: file(fileName)) }
        }
        var configuration: JSONObject?
        if let value = try json(Name.configuration) {
            guard let object = value.objectValue else {
                throw TokenizerError(.file(file(Name.configuration), "must hold a JSON object; found \(value.typeDescription)"))
            }
            configuration = object
        }
        var template: String?
        if let content = files.bytes(of: Name.chatTemplate) {
            template = try TokenizerFileReader.withBytes(of: content) { bytes throws(TokenizerError) in
                try TokenizerFileReader.text(bytes, file: file(Name.chatTemplate))
            }
        }
        return ModelTokenizer(vocabulary: vocabulary, files: TokenizerSourceFiles(
            directory: name, configuration: configuration, specialTokensMap: try json(Name.specialTokensMap),
            chatTemplateFile: template, tokenizerJSON: tokenizerJSON))
    }

    public var directory: String { files.directory }
    public var tokenizerFile: String { files.tokenizerFile }
    public var configuration: JSONObject? { files.configuration }
    public var chatTemplateFile: String? { files.chatTemplateFile }
    /// See `TokenizerSourceFiles.chatTemplate`.
    public var chatTemplate: String? { files.chatTemplate }
}
