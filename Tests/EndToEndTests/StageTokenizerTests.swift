import Foundation
import MergeKitTestSupport
import Testing

/// Tokenizer settings in multi-stage recipes through the built binary: a stage presents the
/// tokenizer it would write (copied, or built for a union, in memory) to the documents that read
/// it, and the output matches mergekit-multi 0.1.5's (rows matched by token, config vocab_size,
/// tokenizer.json's tokens, chat template).
@Suite struct StageTokenizerTests {
    static let cases = StageRecipeTests.cases

    /// Goldens made by make_stage_goldens.py over the tokenizer goldens' models: a union stage
    /// read as the base under `tokenizer_source: base`, a union over a stage (which copies its
    /// first model's tokenizer) and plain models, and a built-in `chat_template` over a union stage.
    @Test(arguments: ["stage_union_then_base", "union_over_stage", "chat_template_over_stage"])
    func applyMatchesMergekitMulti(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let golden = Self.cases + "/\(name)/out"
        let run = try CommandLineTool.run(["apply", Self.cases + "/\(name)/recipe.yaml", "-o", output, "-q"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try #require(try VocabularyCommandTests.config(golden)["vocab_size"] as? Int)
        #expect(try VocabularyCommandTests.config(output)["vocab_size"] as? Int == rows)
        let ourIDs = try VocabularyCommandTests.tokenIDs(output)
        let goldenIDs = try VocabularyCommandTests.tokenIDs(golden)
        #expect(Set(ourIDs.keys) == Set(goldenIDs.keys))
        let tokenByGoldenRow = Dictionary(goldenIDs.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })

        let ours = try TinyCheckpoint.readAll(output)
        let theirs = try TinyCheckpoint.readAll(golden)
        #expect(!theirs.isEmpty && Set(ours.keys) == Set(theirs.keys))
        for (tensorName, expected) in theirs {
            let actual = try #require(ours[tensorName], "\(tensorName)")
            #expect(actual.shape == expected.shape, "\(tensorName)")
            let atol = 1e-5 * (expected.values.map(\.magnitude).max() ?? 0)
            guard expected.shape.count == 2, expected.shape[0] == rows else {
                expectClose(actual.values, expected.values, atol: atol)
                continue
            }
            // mergekit numbers the tokens a union adds in a run-dependent order: rows by token.
            let width = expected.shape[1]
            for goldenRow in 0 ..< rows {
                let ourRow = try tokenByGoldenRow[goldenRow].map { try #require(ourIDs[$0]) } ?? goldenRow
                expectClose(Array(actual.values[ourRow * width ..< (ourRow + 1) * width]),
                            Array(expected.values[goldenRow * width ..< (goldenRow + 1) * width]), atol: atol)
            }
        }
        let template = try Self.chatTemplate(output)
        let goldenTemplate = try Self.chatTemplate(golden)
        #expect(template != nil && template == goldenTemplate)
    }

    /// The chat template transformers loads: chat_template.jinja, else tokenizer_config.json's
    /// (mergekit's transformers writes the file; a built tokenizer keeps its source's in the config).
    static func chatTemplate(_ directory: String) throws -> String? {
        if let file = try? String(contentsOfFile: directory + "/chat_template.jinja", encoding: .utf8) { return file }
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/tokenizer_config.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["chat_template"] as? String
    }

    /// The output over a stage with a built tokenizer is what the same document writes over the
    /// stage written out (`--keep-intermediates`) and read back as a folder: the in-memory
    /// tokenizer is the one the stage writes. `validate` and `plan` write nothing.
    @Test(arguments: ["stage_union_then_base", "union_over_stage", "chat_template_over_stage"])
    func aStageTokenizerIsTheOneItWrites(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let models = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/tokenizer/models"
        let text = try String(contentsOfFile: Self.cases + "/\(name)/recipe.yaml", encoding: .utf8)
            .replacingOccurrences(of: "../../../tokenizer/models", with: models)
        try text.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        for command in ["validate", "plan"] {
            let result = try CommandLineTool.run([command, "recipe.yaml"], in: directory.path)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["recipe.yaml"])

        let staged = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "staged", "--keep-intermediates", "inter", "-q"], in: directory.path)
        #expect(staged.status == 0, "\(staged.stderr)")
        let documents = text.components(separatedBy: "---\n")
        let stageName = try #require(documents[0].split(separator: "\n").first?.dropFirst("name: ".count))
        try documents[1].replacingOccurrences(of: " \(stageName)\n", with: " ./inter/\(stageName)\n")
            .write(toFile: directory.path + "/single.yaml", atomically: true, encoding: .utf8)
        let single = try CommandLineTool.run(["apply", "single.yaml", "-o", "single", "-q"], in: directory.path)
        #expect(single.status == 0, "\(single.stderr)")
        let bytes = try ResumeTests.shardBytes(directory.path + "/staged")
        let fromFolder = try ResumeTests.shardBytes(directory.path + "/single")
        #expect(!bytes.isEmpty && bytes == fromFolder)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            let written = FileManager.default.contents(atPath: directory.path + "/staged/" + file)
            #expect(written != nil && written == FileManager.default.contents(atPath: directory.path + "/single/" + file), "\(file)")
        }
        #expect(FileManager.default.contents(atPath: directory.path + "/staged/chat_template.jinja")
            == FileManager.default.contents(atPath: directory.path + "/single/chat_template.jinja"))
    }

    /// A document without tokenizer settings over a stage with a built tokenizer gets that
    /// tokenizer's files, as it would copy them from the stage's folder.
    @Test func aStagesBuiltTokenizerIsCopiedIntoTheOutput() throws {
        let directory = try TemporaryDirectory()
        let models = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures/tokenizer/models"
        let text = try String(contentsOfFile: Self.cases + "/chat_template_over_stage/recipe.yaml", encoding: .utf8)
            .replacingOccurrences(of: "../../../tokenizer/models", with: models)
            .replacingOccurrences(of: "chat_template: chatml\n", with: "")
        try text.write(toFile: directory.path + "/recipe.yaml", atomically: true, encoding: .utf8)
        let run = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out", "--keep-intermediates", "inter", "-q"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            let written = FileManager.default.contents(atPath: directory.path + "/out/" + file)
            #expect(written != nil && written == FileManager.default.contents(atPath: directory.path + "/inter/united/" + file), "\(file)")
        }
        #expect(try VocabularyCommandTests.config(directory.path + "/out")["vocab_size"] as? Int == 398)
    }
}
