import Testing
@testable import MergeKitTokenizer

/// Building the output vocabulary from in-memory tokenizers: the union's order and flags, the
/// vocabulary-size limits, stripping, model sources and `tokens:` additions.
@Suite struct OutputVocabularyBuilderTests {
    static func tokenizer(
        _ model: [String], added: [AddedToken] = [], kind: TokenizerModelKind = .bpe
    ) -> ModelTokenizer {
        let vocabulary = Dictionary(uniqueKeysWithValues: model.enumerated().map { ($1, $0) })
        return ModelTokenizer(directory: "/models/x", vocabulary: TokenizerVocabulary(
            modelKind: kind, modelVocabulary: vocabulary, addedTokens: added))
    }

    static func special(_ content: String, _ id: Int) -> AddedToken {
        AddedToken(id: id, content: content, normalized: false, special: true)
    }

    static let base = tokenizer(["a", "b", "c"], added: [special("<eos>", 3)])
    static let chat = tokenizer(["a", "b", "c"], added: [special("<eos>", 3), special("<im>", 4), special("</im>", 5)])
    /// Adds <tool> and <im> (at other ids than `chat`, with other flags), learns "d".
    static let tools = tokenizer(["a", "b", "c", "d"], added: [
        special("<eos>", 4), AddedToken(id: 5, content: "<tool>", normalized: false, special: false),
        AddedToken(id: 6, content: "<im>", normalized: true, special: false),
    ])

    /// Inputs named `names` (default m0, m1, ...) whose config vocab_size is `sizes` (default:
    /// their tokenizer's size, as in a model whose embedding has a row per token).
    static func inputs(_ tokenizers: [ModelTokenizer?], sizes: [Int]? = nil, names: [String]? = nil) -> [TokenizerInput] {
        tokenizers.enumerated().map { index, tokenizer in
            TokenizerInput(reference: names?[index] ?? "m\(index)", tokenizer: tokenizer,
                           vocabularySize: sizes?[index] ?? tokenizer?.vocabulary.count)
        }
    }

    @Test func unionAddsLearnedTokensFirstThenAddedTokensInRecipeOrder() throws {
        let result = try OutputVocabularyBuilder.build(inputs: Self.inputs([Self.base, Self.chat, Self.tools]), base: 0,
                                                       source: .union, extraTokens: [])
        #expect(result.output.tokens == ["a", "b", "c", "<eos>", "d", "<im>", "</im>", "<tool>"])
        // The first model to add <im> sets its flags; "d" becomes a plain added token.
        let im = result.output.addedTokens.first { $0.content == "<im>" }
        #expect(im == Self.special("<im>", 5))
        #expect(result.output.addedTokens.first { $0.content == "d" } == AddedToken(id: 4, content: "d", normalized: true, special: false))
    }

    @Test func unionSkipsTokensPastAModelsVocabularySize() throws {
        let result = try OutputVocabularyBuilder.build(inputs: Self.inputs([Self.base, Self.chat], sizes: [4, 5]), base: 0,
                                                       source: .union, extraTokens: [])
        #expect(result.output.tokens == ["a", "b", "c", "<eos>", "<im>"])
    }

    @Test func theBaseLosesTokensItsEmbeddingHasNoRowFor() throws {
        let result = try OutputVocabularyBuilder.build(inputs: Self.inputs([Self.chat], sizes: [4]), base: 0,
                                                       source: .base, extraTokens: [])
        #expect(result.output.tokens == ["a", "b", "c", "<eos>"])
        #expect(result.output.strippedTokens == ["<im>", "</im>"])
        #expect(result.output.strippedFrom == 4)
        #expect(result.inputVocabularies[0].count == 4)
    }

    @Test func onlyABPEBaseCanLoseTokens() {
        let wordLevel = Self.tokenizer(["a", "b", "c", "d"], kind: .wordLevel)
        let error = #expect(throws: TokenizerError.self) {
            try OutputVocabularyBuilder.build(inputs: Self.inputs([wordLevel], sizes: [3]), base: 0, source: .base,
                                              extraTokens: [])
        }
        #expect(error?.description == "/models/x/tokenizer.json: has 1 token(s) with ids from 3 on, past the embedding's 3 rows; only a BPE vocabulary can drop them (model type is WordLevel)")
    }

    @Test func aModelSourceIsTakenAsItIsAndTokensAreAddedOnce() throws {
        let result = try OutputVocabularyBuilder.build(inputs: Self.inputs([Self.base, Self.tools]), base: 0,
                                                       source: .model(Self.tools), extraTokens: ["<think>", "a", "<think>"])
        #expect(result.output.tokens == ["a", "b", "c", "d", "<eos>", "<tool>", "<im>", "<think>"])
        #expect(result.output.addedTokens.last == AddedToken(id: 7, content: "<think>", normalized: true, special: false))
    }

    @Test func anInputWithoutATokenizerIsReadWithTheBasesVocabulary() throws {
        let result = try OutputVocabularyBuilder.build(inputs: Self.inputs([Self.base, nil]), base: 0, source: .union,
                                                       extraTokens: [])
        #expect(result.inputVocabularies[1].count == Self.base.vocabulary.count)
    }

    @Test func theBaseNeedsATokenizer() {
        let error = #expect(throws: TokenizerError.self) {
            try OutputVocabularyBuilder.build(inputs: Self.inputs([nil, Self.base]), base: 0, source: .union, extraTokens: [])
        }
        #expect(error?.description == "the base model 'm0' has no tokenizer.json, which the output vocabulary is built from")
    }

    @Test func idsWithGapsAreRefused() {
        let gapped = Self.tokenizer(["a", "b"], added: [Self.special("<eos>", 5)])
        let error = #expect(throws: TokenizerError.self) {
            try OutputVocabularyBuilder.build(inputs: Self.inputs([gapped], sizes: [6]), base: 0, source: .base, extraTokens: [])
        }
        #expect(error?.description.contains("token ids are not dense: '<eos>' has id 5") == true)
    }
}
