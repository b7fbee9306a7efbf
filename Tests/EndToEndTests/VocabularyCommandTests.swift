import Foundation
import MergeKitTestSupport
import Testing

/// Vocabularies through the built binary: `apply` on mergekit 0.1.5's tokenizer goldens (rows
/// matched by token, config vocab_size, chat template), what `plan` and `validate` say about
/// the vocabulary, located errors for bad `tokens:` references, the summary warning when no
/// tokenizer is written, and vocabulary sizes that differ without tokenizer settings.
@Suite struct VocabularyCommandTests {
    static let fixtures = CommandLineTool.repositoryRoot + "/Tests/MergeKitEngineTests/Fixtures"
    static let tokenizerCases = fixtures + "/tokenizer"

    @Test(arguments: ["union_linear", "pad_union", "tied_union", "tokens_overrides", "base_padded", "unigram_union"])
    func applyMatchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let golden = Self.tokenizerCases + "/" + name + "/out"
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", output], in: Self.tokenizerCases + "/" + name)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try Self.config(golden)["vocab_size"] as? Int)
        #expect(try Self.config(output)["vocab_size"] as? Int == rows)
        #expect(result.stdout.contains(", vocabulary \(try Self.tokenIDs(golden).count) tokens, "), "\(result.stdout)")

        let ours = try TinyCheckpoint.readAll(output)
        let theirs = try TinyCheckpoint.readAll(golden)
        #expect(Set(ours.keys) == Set(theirs.keys))
        let ourIDs = try Self.tokenIDs(output)
        let goldenIDs = try Self.tokenIDs(golden)
        #expect(Set(ourIDs.keys) == Set(goldenIDs.keys))
        for (tensorName, expected) in theirs {
            let actual = try #require(ours[tensorName])
            #expect(actual.shape == expected.shape, "\(tensorName)")
            let atol = 1e-6 * (expected.values.map(\.magnitude).max() ?? 0)
            guard expected.shape.count == 2, expected.shape[0] == rows else {
                expectClose(actual.values, expected.values, atol: atol)
                continue
            }
            let width = expected.shape[1]
            for goldenRow in 0 ..< rows {
                // Token rows are matched by token; padding rows (no token) by position.
                let token = goldenIDs.first { $0.value == goldenRow }?.key
                let ourRow = try token.map { try #require(ourIDs[$0]) } ?? goldenRow
                expectClose(Array(actual.values[ourRow * width ..< (ourRow + 1) * width]),
                            Array(expected.values[goldenRow * width ..< (goldenRow + 1) * width]), atol: atol)
            }
        }
    }

    @Test(arguments: ["chat_chatml_base", "chat_auto_union", "chat_inline_copy"])
    func chatTemplateMatchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", output], in: Self.tokenizerCases + "/" + name)
        #expect(result.status == 0, "\(result.stderr)")
        let golden = try String(contentsOfFile: Self.tokenizerCases + "/" + name + "/out/chat_template.jinja", encoding: .utf8)
        #expect(try String(contentsOfFile: output + "/chat_template.jinja", encoding: .utf8) == golden)
        let configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/tokenizer_config.json")))
        #expect((configuration as? [String: Any])?["chat_template"] as? String == golden)
        #expect(Set(try Self.tokenIDs(output).keys) == Set(try Self.tokenIDs(Self.tokenizerCases + "/" + name + "/out").keys))
    }

    @Test func planShowsTheVocabulary() throws {
        let result = try CommandLineTool.run(["plan", "recipe.yaml"], in: Self.tokenizerCases + "/pad_union")
        #expect(result.status == 0, "\(result.stderr)")
        for line in [
            "vocabulary: union of the models' tokenizers, 399 tokens, 416 rows (padded to a multiple of 32)",
            "  rows 0–395: ../models/base", "  rows 396–397: ../models/ft_chatml", "  row 398: ../models/ft_tools",
            "  rows 399–415: padding (each model's mean row)", "tokenizer: files written for the output vocabulary",
        ] {
            #expect(result.stdout.contains(line + "\n"), "\(line)")
        }
        #expect(result.stdout.contains("model.embed_tokens.weight F32 [416, 16]"))
        #expect(result.stdout.contains("rows: 396 from every model, 2 copied, 1 mean, 17 padding"))

        let json = try CommandLineTool.run(["plan", "--json", "recipe.yaml"], in: Self.tokenizerCases + "/pad_union")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let vocabulary = try #require(root["vocabulary"] as? [String: Any])
        #expect(vocabulary["tokens"] as? Int == 399)
        #expect(vocabulary["rows"] as? Int == 416)
        #expect((vocabulary["blocks"] as? [Any])?.count == 4)
    }

    @Test func validateReportsTheVocabulary() throws {
        let result = try CommandLineTool.run(["validate", "recipe.yaml"], in: Self.tokenizerCases + "/tokens_overrides")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": ok — linear, 3 models, 12 output tensors, 1 layers, vocabulary 401 tokens in 401 rows"))
    }

    /// Token and model references in `tokens:` are checked against the models' vocabularies and
    /// reported at their recipe position, before any weight is read: first the references (an
    /// unknown model, a token not in a model's vocabulary), then what each embedding's rows need
    /// (a source for a token some model lacks, a row inside the model's embedding).
    @Test(arguments: [
        (["<|im_start|>:", "  source: ./nowhere", "<think>:", "  source: {kind: model_token, model: MODELS/base, token: <|no_such_token|>}"],
         ["12:15: error: './nowhere' is not one of the recipe's models", "14:", ": error: token '<|no_such_token|>' is not in the vocabulary of"]),
        (["<tool>: {}", "</think>:", "  source: {kind: model_token, model: MODELS/ft_chatml, token_id: 4000}"],
         ["11:5: error: token '<tool>' needs a 'source': not every model has it", "13:", ": error: token id 4000 is out of range for"]),
    ])
    func badTokenReferencesAreLocatedErrors(_ tokens: [String], _ expected: [String]) throws {
        let directory = try TemporaryDirectory()
        let models = Self.tokenizerCases + "/models"
        let recipe = directory.path + "/recipe.yaml"
        let entries = tokens.map { "    " + $0.replacingOccurrences(of: "MODELS", with: models) }.joined(separator: "\n")
        try """
            merge_method: linear
            base_model: \(models)/base
            models:
              - model: \(models)/base
                parameters: {weight: 0.5}
              - model: \(models)/ft_chatml
                parameters: {weight: 0.5}
            tokenizer:
              source: union
              tokens:

            """.appending(entries).write(toFile: recipe, atomically: true, encoding: .utf8)
        for arguments in [["validate", recipe], ["apply", recipe, "-o", directory.path + "/out"]] {
            let result = try CommandLineTool.run(arguments, in: directory.path)
            #expect(result.status == 65, "\(arguments[0]): \(result.stderr)")
            for part in expected {
                #expect(result.stderr.contains(part.hasPrefix(":") ? part : "\(recipe):\(part)"), "\(part): \(result.stderr)")
            }
            #expect(!result.stderr.contains("vocabulary sizes differ"))
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        }
    }

    @Test func noTokenizerIsAWarningInTheSummaryLine() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ExampleFamily.copy(into: directory.path)
        for model in ExampleFamily.models {
            for file in ["tokenizer.json", "tokenizer_config.json"] {
                try? FileManager.default.removeItem(atPath: directory.path + "/" + model + "/" + file)
            }
        }
        let result = try CommandLineTool.run(["apply", recipe, "-o", directory.path + "/out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("; warning: no tokenizer written: './base' (the base, else the first model) has no tokenizer files"),
                "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out/tokenizer.json"))
    }

    /// `--no-copy-tokenizer` leaves out copied tokenizers, not the files built for a recipe's
    /// vocabulary; a chat template that only a copied tokenizer would carry is then not written,
    /// and the summary line says so (mergekit: the same, with a log warning).
    @Test func noCopyTokenizerKeepsBuiltTokenizers() throws {
        let directory = try TemporaryDirectory()
        let built = try CommandLineTool.run(
            ["apply", "recipe.yaml", "-o", directory.path + "/built", "--no-copy-tokenizer"], in: Self.tokenizerCases + "/union_linear")
        #expect(built.status == 0, "\(built.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/built/tokenizer.json"))
        #expect(!built.stdout.contains("warning"))

        let copied = try CommandLineTool.run(
            ["apply", "recipe.yaml", "-o", directory.path + "/copied", "--no-copy-tokenizer"], in: Self.tokenizerCases + "/chat_alpaca_copy")
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/copied/tokenizer.json"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/copied/chat_template.jinja"))
        #expect(copied.stdout.contains("; warning: chat_template not written: --no-copy-tokenizer leaves out the tokenizer that carries it"))
    }

    /// Without tokenizer settings, different vocabulary sizes stay a plan-time error, and
    /// --unsafe-truncate-embeddings crops them with a warning.
    @Test func differentVocabulariesWithoutTokenizerSettings() throws {
        let directory = try TemporaryDirectory()
        let caseDirectory = Self.fixtures + "/conformance/vocab_mismatch_error"
        let refused = try CommandLineTool.run(["apply", "recipe.yaml", "-o", directory.path + "/refused"], in: caseDirectory)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("vocabulary sizes differ in 'model.embed_tokens.weight'"))
        #expect(refused.stderr.contains("align the vocabularies with tokenizer_source"))
        let cropped = try CommandLineTool.run(
            ["apply", "recipe.yaml", "-o", directory.path + "/cropped", "--unsafe-truncate-embeddings"], in: caseDirectory)
        #expect(cropped.status == 0, "\(cropped.stderr)")
        #expect(cropped.stderr.contains("warning: cropping 'lm_head.weight' to the 128 rows every model has"))
        #expect(try Self.config(directory.path + "/cropped")["vocab_size"] as? Int == 128)
        #expect(try TinyCheckpoint.readAll(directory.path + "/cropped")["model.embed_tokens.weight"]?.shape == [128, 64])
    }

    static func config(_ directory: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))) as? [String: Any] ?? [:]
    }

    /// Token → id of a tokenizer.json, read independently of the engine: the model's vocabulary
    /// (a map, or Unigram's list of pieces) and the added tokens.
    static func tokenIDs(_ directory: String) throws -> [String: Int] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/tokenizer.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let model = try #require(root["model"] as? [String: Any])
        var ids: [String: Int] = [:]
        if let vocabulary = model["vocab"] as? [String: Int] {
            ids = vocabulary
        } else if let pieces = model["vocab"] as? [[Any]] {
            for (id, piece) in pieces.enumerated() {
                if let text = piece.first as? String { ids[text] = id }
            }
        }
        for token in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let content = token["content"] as? String, let id = token["id"] as? Int { ids[content] = id }
        }
        return ids
    }
}
