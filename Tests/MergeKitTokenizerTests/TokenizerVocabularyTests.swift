import MergeKitSafetensors
import Testing
@testable import MergeKitTokenizer

/// Reading tokenizer.json vocabularies of each model type, and the errors for files that
/// cannot be read.
@Suite struct TokenizerVocabularyTests {
    static func vocabulary(_ json: String) throws -> TokenizerVocabulary {
        try Array(json.utf8).withUnsafeBytes { bytes in try TokenizerVocabulary(tokenizerJSON: bytes, file: "tokenizer.json") }
    }

    static let addedSpecial = #"{"id": 3, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}"#

    @Test func bpeWordPieceAndWordLevelMapTokensToIDs() throws {
        for type in ["BPE", "WordPiece", "WordLevel"] {
            let vocabulary = try Self.vocabulary(#"""
                {"added_tokens": [\#(Self.addedSpecial)],
                 "model": {"type": "\#(type)", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": []}}
                """#)
            #expect(vocabulary.modelKind.rawValue == type)
            #expect(vocabulary.id(of: "ab") == 2)
            #expect(vocabulary.id(of: "<s>") == 3)
            #expect(vocabulary.count == 4)
            #expect(vocabulary.modelVocabularyCount == 3)
            #expect(vocabulary.tokensByID.map(\.token) == ["a", "b", "ab", "<s>"])
        }
    }

    @Test func unigramIDsArePositionsInThePieceList() throws {
        let vocabulary = try Self.vocabulary(#"""
            {"added_tokens": [{"id": 0, "content": "<unk>", "special": true}],
             "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["▁a", -1.5], ["b", -2.25e0]]}}
            """#)
        #expect(vocabulary.id(of: "▁a") == 1)
        #expect(vocabulary.id(of: "b") == 2)
        #expect(vocabulary.count == 3)
        #expect(vocabulary.addedTokens == [AddedToken(id: 0, content: "<unk>", normalized: false, special: true)])
    }

    @Test func tokensAreDistinctByTheirCodePoints() throws {
        // "é" precomposed and "e" + combining acute are canonically equivalent, yet two tokens.
        let vocabulary = try Self.vocabulary(#"""
            {"model": {"type": "WordLevel", "vocab": {"\u00e9": 0, "e\u0301": 1}}}
            """#)
        #expect(vocabulary.count == 2)
        #expect(vocabulary.id(of: "\u{E9}") == 0)
        #expect(vocabulary.id(of: "e\u{301}") == 1)
    }

    @Test func anAddedTokenWinsOverTheModelsIDForTheSameText() throws {
        let vocabulary = try Self.vocabulary(#"""
            {"added_tokens": [{"id": 7, "content": "a", "normalized": true, "special": false}],
             "model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1}}}
            """#)
        #expect(vocabulary.id(of: "a") == 7)
        #expect(vocabulary.count == 2)
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var id: String
        var json: String
        var message: String
        var testDescription: String { id }
    }

    @Test(arguments: [
        BadFile(id: "not an object", json: "[]", message: "tokenizer.json: the file must be a JSON object"),
        BadFile(id: "not JSON", json: #"{"model": {"type": "BPE", "vocab": {"a": 0,}}}"#,
                message: "tokenizer.json: is not valid JSON: byte 43: unexpected '}'; expected a string key"),
        BadFile(id: "no model", json: "{}", message: "tokenizer.json: has no 'model' object"),
        BadFile(id: "no type", json: #"{"model": {"vocab": {}}}"#,
                message: "tokenizer.json: 'model' has no 'type' (expected one of BPE, WordPiece, WordLevel, Unigram)"),
        BadFile(id: "unknown type", json: #"{"model": {"type": "CharBPE", "vocab": {}}}"#,
                message: "tokenizer.json: model type 'CharBPE' is not supported; expected one of BPE, WordPiece, WordLevel, Unigram"),
        BadFile(id: "vocab of the wrong shape", json: #"{"model": {"type": "Unigram", "vocab": {"a": 0}}}"#,
                message: "tokenizer.json: a Unigram 'model.vocab' must be a list of [piece, score]"),
        BadFile(id: "a negative id", json: #"{"model": {"type": "BPE", "vocab": {"a": -1}}}"#,
                message: "tokenizer.json: model.vocab['a'] must be a non-negative integer id"),
        BadFile(id: "a bad unigram entry", json: #"{"model": {"type": "Unigram", "vocab": [["a"]]}}"#,
                message: "tokenizer.json: model.vocab[0] must be [piece, score]"),
        BadFile(id: "added token without content",
                json: #"{"added_tokens": [{"id": 1}], "model": {"type": "BPE", "vocab": {}}}"#,
                message: "tokenizer.json: added_tokens[0] needs a string 'content'"),
        BadFile(id: "added token flag of the wrong type",
                json: #"{"added_tokens": [{"id": 1, "content": "x", "special": "yes"}], "model": {"type": "BPE", "vocab": {}}}"#,
                message: "tokenizer.json: added_tokens[0].special must be true or false; found a string"),
    ])
    func unreadableFilesAreNamedWithTheReason(_ bad: BadFile) throws {
        let error = #expect(throws: TokenizerError.self) { try Self.vocabulary(bad.json) }
        #expect(error?.description == bad.message)
    }
}
