import Foundation
@testable import MergeKitEngine
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import MergeKitTokenizer
import Testing

/// The vocabulary at plan time, part by part: token-indexed tensors found by shape and config
/// (any names), tied heads, a tokenizer source that is not merged, chat templates without
/// tokenizer settings, the config's vocabulary key, and what resume trusts.
@Suite struct VocabularyPlanningTests {
    static let models = FixturePaths.tokenizer + "/models"

    static func write(_ body: String, in directory: TemporaryDirectory) throws -> String {
        let recipe = directory.file("recipe.yaml")
        try body.replacingOccurrences(of: "MODELS", with: models).write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    /// A one-layer model whose token-indexed tensors have unusual names: found by shape
    /// `[vocab_size, hidden_size]` of its config, not by name.
    static func oddlyNamedModel(in directory: String, vocabulary: Int, config: String) throws -> ModelDirectory {
        func tensor(_ name: String, _ shape: [Int]) -> TensorData {
            TensorData(name: name, dtype: .f32, shape: shape, values: (0 ..< shape.reduce(1, *)).map { Float($0 % 7) * 0.1 - 0.3 })
        }
        try TinyCheckpoint.write([
            tensor("net.tok.w", [vocabulary, 4]), tensor("net.blocks.0.mix.w", [4, 4]), tensor("net.out.w", [vocabulary, 4]),
            tensor("net.pos.w", [7, 3]),
        ], to: directory, config: config)
        return try ModelDirectory(path: directory)
    }

    @Test func tokenIndexedTensorsAreFoundByShapeAndConfig() throws {
        let directory = try TemporaryDirectory()
        let model = try Self.oddlyNamedModel(
            in: directory.path + "/m", vocabulary: 10, config: #"{"num_hidden_layers": 1, "vocab_size": 10, "hidden_size": 4}"#)
        let found = model.tensorNames.filter { name in
            model.tensor(named: name).map { TokenIndexedTensors.isTokenIndexed(name, shape: $0.shape, in: model) } ?? false
        }
        #expect(Set(found) == ["net.tok.w", "net.out.w"])
        #expect(TokenIndexedTensors.inputEmbedding(of: model) == "net.tok.w")

        let nested = try Self.oddlyNamedModel(
            in: directory.path + "/n", vocabulary: 6,
            config: #"{"num_hidden_layers": 1, "text_config": {"vocab_size": 6, "hidden_size": 4}}"#)
        #expect(nested.vocabularySize == 6)
        #expect(TokenIndexedTensors.vocabularySizeKey(in: nested.config) == "text_config.vocab_size")
        #expect(TokenIndexedTensors.isTokenIndexed("net.out.w", shape: [6, 4], in: nested))
        #expect(!TokenIndexedTensors.isTokenIndexed("net.pos.w", shape: [6, 3], in: nested))
        #expect(!TokenIndexedTensors.isTokenIndexed("net.blocks.0.tok.w", shape: [6, 4], in: nested))
    }

    /// Without a vocabulary size in the config, the usual names decide.
    @Test func aConfigWithoutVocabularySizeFallsBackToNames() throws {
        let directory = try TemporaryDirectory()
        let model = try Self.oddlyNamedModel(in: directory.path + "/m", vocabulary: 5, config: #"{"num_hidden_layers": 1}"#)
        #expect(!TokenIndexedTensors.isTokenIndexed("net.tok.w", shape: [5, 4], in: model))
        #expect(TokenIndexedTensors.isTokenIndexed("model.embed_tokens.weight", shape: [5, 4], in: model))
        #expect(TokenIndexedTensors.isTokenIndexed("lm_head.weight", shape: [5, 4], in: model))
    }

    /// Vocabulary sizes that differ in tensors with other names are aligned just the same.
    @Test func oddlyNamedEmbeddingsAreAligned() throws {
        let directory = try TemporaryDirectory()
        for (name, size) in [("a", 10), ("b", 12)] {
            _ = try Self.oddlyNamedModel(
                in: directory.path + "/" + name, vocabulary: size,
                config: #"{"num_hidden_layers": 1, "vocab_size": \#(size), "hidden_size": 4}"#)
            let tokens = (0 ..< size).map { "\"t\($0)\": \($0)" }.joined(separator: ", ")
            try #"{"version": "1.0", "added_tokens": [], "model": {"type": "WordLevel", "vocab": {\#(tokens)}, "unk_token": "t0"}}"#
                .write(toFile: directory.path + "/" + name + "/tokenizer.json", atomically: true, encoding: .utf8)
        }
        let recipe = try Self.write("""
            merge_method: linear
            base_model: ./a
            models:
              - model: ./a
                parameters: {weight: 0.5}
              - model: ./b
                parameters: {weight: 0.5}
            tokenizer_source: union
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        let aligned = plan.jobs.filter { $0.alignedRows != nil }.map(\.outputName)
        #expect(Set(aligned) == ["net.tok.w", "net.out.w"])
        #expect(plan.jobs.first { $0.outputName == "net.out.w" }?.shape == [12, 4])
        #expect(plan.outputConfig["vocab_size"]?.intValue == 12)
    }

    /// A tied model (no lm_head) merged with an untied one, without tokenizer settings: the tied
    /// model's embedding stands in for its head, and the head is written (mergekit's tied_names).
    @Test func aTiedModelLendsItsEmbeddingToTheHead() throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.write("""
            merge_method: linear
            models:
              - model: MODELS/tied_base
                parameters: {weight: 0.25}
              - model: MODELS/base
                parameters: {weight: 0.75}
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        let head = try #require(plan.jobs.first { $0.outputName == "lm_head.weight" })
        #expect(head.inputs.map(\.tensorName) == ["model.embed_tokens.weight", "lm_head.weight"])
        let output = try MergeHarness.merge(recipe: recipe, into: directory)
        let tied = try #require(try TinyCheckpoint.readAll(Self.models + "/tied_base")["model.embed_tokens.weight"]).values
        let untied = try #require(try TinyCheckpoint.readAll(Self.models + "/base")["lm_head.weight"]).values
        let merged = try #require(try TinyCheckpoint.readAll(output)["lm_head.weight"]).values
        expectClose(merged, zip(tied, untied).map { 0.25 * $0 + 0.75 * $1 })
    }

    /// `tokenizer_source` may name a folder that is not merged and holds only tokenizer files;
    /// tokens no merged model has get zero rows, with a warning.
    @Test func aTokenizerSourceThatIsNotMergedNeedsNoWeights() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/tools", withIntermediateDirectories: true)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: Self.models + "/ft_tools/" + file, toPath: directory.path + "/tools/" + file)
        }
        let recipe = try Self.write("""
            merge_method: linear
            base_model: MODELS/base
            models:
              - model: MODELS/base
                parameters: {weight: 0.5}
              - model: MODELS/ft_chatml
                parameters: {weight: 0.5}
            tokenizer_source: ./tools
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        #expect(plan.vocabulary?.plan.tokenCount == 398)
        #expect(plan.warnings.contains { $0.message.contains("no model has the token '<tool_call>' in 'model.embed_tokens.weight': its row is zeros") })
        #expect(plan.tokenizer.sourceDirectory?.hasSuffix("/tools") == true)
    }

    /// A recipe that sets a vocabulary for models whose config matches no tensor: an error, not
    /// a tokenizer that disagrees with the weights.
    @Test func aVocabularyWithNothingToAlignIsAnError() throws {
        let directory = try TemporaryDirectory()
        let copy = directory.path + "/base"
        try FileManager.default.copyItem(atPath: Self.models + "/base", toPath: copy)
        let config = try String(contentsOfFile: copy + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: #""hidden_size": 16"#, with: #""hidden_size": 17"#)
            .write(toFile: copy + "/config.json", atomically: true, encoding: .utf8)
        let recipe = try Self.write("""
            merge_method: linear
            models:
              - model: ./base
                parameters: {weight: 1.0}
            tokenizer_source: base
            """, in: directory)
        let errors = try #require(MergeHarness.planningErrors(recipe: recipe))
        #expect(errors.contains("recipe.yaml:5:19: error: the recipe sets a vocabulary, but no tensor holds one row per token"))
    }

    /// `chat_template` without tokenizer settings re-saves the base's tokenizer with it; when
    /// there is no tokenizer to carry it, that is a warning at `chat_template`, and apply's
    /// summary says no tokenizer was written.
    @Test func chatTemplateWithoutTokenizerSettings() throws {
        let directory = try TemporaryDirectory()
        let withTokenizer = try Planner.plan(recipeAt: FixturePaths.tokenizer + "/chat_alpaca_copy/recipe.yaml")
        guard case .retemplated(_, let location, let template) = withTokenizer.tokenizer, let source = location.directory else {
            Issue.record("expected the base's tokenizer written again, got \(withTokenizer.tokenizer)")
            return
        }
        #expect(source.hasSuffix("/models/base"))
        #expect(template == BuiltinChatTemplate.alpaca.text)

        let recipe = try Self.write("""
            merge_method: linear
            models:
              - model: \(FixturePaths.conformance)/models/ft_a
                parameters: {weight: 0.5}
              - model: \(FixturePaths.conformance)/models/ft_b
                parameters: {weight: 0.5}
            chat_template: chatml
            """, in: directory)
        let plan = try Planner.plan(recipeAt: recipe)
        #expect(plan.warnings.map(\.message) == [
            "chat_template is not written: '\(FixturePaths.conformance)/models/ft_a' (the base, else the first model) has no tokenizer files to carry it",
        ])
        #expect(plan.warnings.first?.location.line == 7)
        #expect(plan.tokenizer.warning?.hasPrefix("no tokenizer written: ") == true)
    }

    @Test func theOutputConfigGetsTheVocabularySize() {
        let nested: JSONValue = .object(JSONObject([
            (key: "num_hidden_layers", value: .integer(2)),
            (key: "text_config", value: .object(JSONObject([(key: "vocab_size", value: .integer(10)), (key: "hidden_size", value: .integer(4))]))),
        ]))
        let aligned = OutputConfig.make(from: nested, edits: [], jobs: [], vocabularyRows: .aligned(12))
        #expect(aligned["text_config"]?["vocab_size"]?.intValue == 12)
        #expect(aligned["text_config"]?["hidden_size"]?.intValue == 4)
        #expect(aligned["vocab_size"] == nil)

        let bare: JSONValue = .object(JSONObject([(key: "num_hidden_layers", value: .integer(2))]))
        #expect(OutputConfig.make(from: bare, edits: [], jobs: [], vocabularyRows: .aligned(12))["vocab_size"]?.intValue == 12)
        #expect(OutputConfig.make(from: bare, edits: [], jobs: [], vocabularyRows: .cropped(12))["vocab_size"] == nil)
    }

    /// A changed tokenizer that moves rows changes what resume trusts, though no weight file
    /// changed.
    @Test func theResumeFingerprintFollowsTheRowPlans() throws {
        let directory = try TemporaryDirectory()
        for model in ["base", "ft_chatml"] {
            try FileManager.default.copyItem(atPath: Self.models + "/" + model, toPath: directory.path + "/" + model)
        }
        let recipe = try Self.write("""
            merge_method: linear
            base_model: ./base
            models:
              - model: ./base
                parameters: {weight: 0.5}
              - model: ./ft_chatml
                parameters: {weight: 0.5}
            tokenizer_source: union
            """, in: directory)
        let before = PlanFingerprint.of(try Planner.plan(recipeAt: recipe))
        #expect(PlanFingerprint.of(try Planner.plan(recipeAt: recipe)) == before)
        // The base's tokens at 391 and 392 trade places: ft_chatml's rows no longer line up.
        let tokenizer = directory.path + "/base/tokenizer.json"
        let text = try String(contentsOfFile: tokenizer, encoding: .utf8)
        try text.replacingOccurrences(of: "\"Ġslerp\": 391,", with: "\"Ġslerp\": 0x,").replacingOccurrences(of: "\"Ġlazy\": 392,", with: "\"Ġlazy\": 391,")
            .replacingOccurrences(of: "\"Ġslerp\": 0x,", with: "\"Ġslerp\": 392,").write(toFile: tokenizer, atomically: true, encoding: .utf8)
        #expect(PlanFingerprint.of(try Planner.plan(recipeAt: recipe)) != before)
    }
}
