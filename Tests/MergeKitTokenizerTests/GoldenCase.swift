import Foundation
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import Testing
@testable import MergeKitTokenizer

/// One merge made by mergekit 0.1.5 (`<root>/<case>/recipe.yaml` and `out/`), with the inputs
/// its recipe names read the way the engine will read them.
struct GoldenCase {
    let name: String
    let root: String
    let recipe: Recipe
    /// Every model the recipe names, base first, then in the order written.
    let references: [String]
    let inputs: [TokenizerInput]
    /// The merge's input order (mergekit's): the models as listed, the base appended if absent.
    let mergeOrder: [Int]
    let base: Int?

    init(_ name: String, root: String = TokenizerFixtures.root) throws {
        self.name = name
        self.root = root
        let recipePath = "\(root)/\(name)/recipe.yaml"
        let text = try String(contentsOfFile: recipePath, encoding: .utf8)
        let decoded = try RecipeDecoder.decode(text, file: recipePath)
        recipe = try #require(decoded.recipes.first)
        guard case .models(let entries) = recipe.layout else { throw GoldenCaseError("\(name): expected models:") }
        let listed = entries.map(\.model.value)
        var references: [String] = []
        for reference in [recipe.baseModel?.value].compactMap({ $0 }) + listed where !references.contains(reference) {
            references.append(reference)
        }
        self.references = references
        base = recipe.baseModel.flatMap { references.firstIndex(of: $0.value) }
        var order = listed.compactMap { references.firstIndex(of: $0) }
        if let base, !order.contains(base) { order.append(base) }
        mergeOrder = order
        inputs = try references.map { reference throws in
            let directory = GoldenCase.resolve(reference, caseDirectory: "\(root)/\(name)")
            return TokenizerInput(reference: reference, tokenizer: try ModelTokenizer.read(directory: directory),
                                  vocabularySize: try GoldenCase.configVocabularySize(directory))
        }
    }

    /// Model paths are relative to the recipe's folder, as the engine resolves them first.
    static func resolve(_ reference: String, caseDirectory: String) -> String {
        URL(fileURLWithPath: caseDirectory).appendingPathComponent(reference).standardizedFileURL.path
    }

    func directory(ofInput index: Int) -> String { Self.resolve(references[index], caseDirectory: "\(root)/\(name)") }

    var outputDirectory: String { "\(root)/\(name)/out" }

    func plan() throws -> VocabularyPlan {
        let settings = try #require(recipe.tokenizer)
        return try VocabularyPlanner.plan(settings: settings, inputs: inputs, base: base,
                                          modelIndex: { references.firstIndex(of: $0) })
    }

    /// The recipe's `weight` of each input (mergekit's default 1 where unset), by input index.
    func weights() throws -> [Int: Double] {
        guard case .models(let entries) = recipe.layout else { return [:] }
        var weights: [Int: Double] = [:]
        for entry in entries {
            guard let index = references.firstIndex(of: entry.model.value) else { continue }
            let weight = entry.parameters.entries.first { $0.name.value == "weight" }
            if case .scalar(let scalar)? = weight?.value, let value = scalar.value.numberValue {
                weights[index] = value
            }
        }
        return weights
    }

    static func configVocabularySize(_ directory: String) throws -> Int? {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))
        return try JSONParser.parse(data)["vocab_size"]?.intValue
    }

    /// The output's tokenizer.json as a vocabulary.
    func goldenVocabulary() throws -> TokenizerVocabulary {
        try TokenizerVocabulary.read(outputDirectory + "/tokenizer.json")
    }

    func goldenConfig() throws -> JSONValue {
        try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: outputDirectory + "/config.json")))
    }

    /// The chat template mergekit wrote, nil when it wrote none.
    func goldenChatTemplate() throws -> String? {
        let path = outputDirectory + "/chat_template.jinja"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}

extension GoldenCase {
    /// Writes `files` to a temporary directory, or to `$MERGEKIT_TOKENIZER_OUTPUT/<case>/` when
    /// that is set (for check_autotokenizer.py, which compares them with mergekit's through
    /// transformers), and reads them back. The temporary directory lives as long as the result.
    func writeAndRead(_ files: TokenizerFiles) throws -> (tokenizer: ModelTokenizer, directory: TemporaryDirectory) {
        let temporary = try TemporaryDirectory()
        var directory = temporary.path
        if let keep = ProcessInfo.processInfo.environment["MERGEKIT_TOKENIZER_OUTPUT"], !keep.isEmpty {
            directory = keep + "/" + name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for file in files.files {
            try Data(file.bytes).write(to: URL(fileURLWithPath: directory + "/" + file.name))
        }
        return (try #require(try ModelTokenizer.read(directory: directory)), temporary)
    }
}

struct GoldenCaseError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
