import MergeKitEngine
import MergeKitSafetensors
import Testing

/// When a model's missing head may be read from its embedding: only when config.json says
/// `tie_word_embeddings: true` (issue 10, item 5), in the object that counts the text stack or
/// at the top level.
@Suite struct TiedEmbeddingsTests {
    static let names = ["model.embed_tokens.weight", "model.layers.0.a.weight", "model.layers.1.a.weight", "model.norm.weight"]

    static func tied(_ config: JSONValue, names: [String] = names) throws -> TiedEmbeddings {
        try #require(ModelDescription(config: config, tensorNames: names).tiedEmbeddings)
    }

    @Test func aModelThatSaysTrueLendsItsEmbedding() throws {
        let tied = try Self.tied(["num_hidden_layers": 2, "tie_word_embeddings": true])
        #expect(tied.isTied && tied.declaresTied)
        #expect(tied.tiedSource(for: "lm_head.weight") == "model.embed_tokens.weight")
        #expect(tied.tiedSource(for: "model.norm.weight") == nil)
    }

    @Test(arguments: [JSONValue.bool(false), .null, .string("true"), .number("1")])
    func anyOtherValueDoesNot(_ value: JSONValue) throws {
        let tied = try Self.tied(["num_hidden_layers": 2, "tie_word_embeddings": value])
        #expect(!tied.isTied && !tied.declaresTied)
        #expect(tied.tiedSource(for: "lm_head.weight") == nil)
    }

    /// transformers would tie a model that leaves the key out; here its missing head is an error.
    @Test func leavingTheKeyOutIsNotTied() throws {
        let tied = try Self.tied(["num_hidden_layers": 2])
        #expect(tied.embedding == "model.embed_tokens.weight")
        #expect(!tied.isTied)
        #expect(tied.tiedSource(for: "lm_head.weight") == nil)
    }

    /// The text config's key wins over the top level's (multimodal models keep both).
    @Test func theTextConfigSays() throws {
        let names = ["language_model.model.embed_tokens.weight", "language_model.model.layers.0.a.weight", "language_model.model.norm.weight"]
        let tiedInText = try Self.tied(["tie_word_embeddings": false, "text_config": ["num_hidden_layers": 1, "tie_word_embeddings": true]], names: names)
        #expect(tiedInText.tiedSource(for: "language_model.lm_head.weight") == "language_model.model.embed_tokens.weight")
        let untiedInText = try Self.tied(["tie_word_embeddings": true, "text_config": ["num_hidden_layers": 1, "tie_word_embeddings": false]], names: names)
        #expect(!untiedInText.isTied)
        let onlyTop = try Self.tied(["tie_word_embeddings": true, "text_config": ["num_hidden_layers": 1]], names: names)
        #expect(onlyTop.isTied)
    }

    /// A model that stores its head is not tied, whatever its config says.
    @Test func aStoredHeadIsNotTied() throws {
        let tied = try Self.tied(["num_hidden_layers": 2, "tie_word_embeddings": true], names: Self.names + ["lm_head.weight"])
        #expect(tied.head == "lm_head.weight")
        #expect(tied.declaresTied && !tied.isTied)
        #expect(tied.tiedSource(for: "lm_head.weight") == nil)
    }
}
