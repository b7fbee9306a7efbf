import Foundation
import MergeKitSafetensors
import MergeKitTestSupport
import Testing
@testable import MergeKitTokenizer

/// The output vocabulary and tokenizer files against mergekit 0.1.5's, case by case: the same
/// tokens, the source's tokens at the same ids, the same added tokens with the same flags, the
/// same config vocab_size and the same chat template. (mergekit numbers the tokens a union adds
/// in a hash order that changes from run to run, so those ids are compared as a set.)
@Suite struct GoldenVocabularyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var root: String = TokenizerFixtures.root
        /// false when mergekit's choice of base was arbitrary (no base_model), so even the
        /// source's ids and chat template may differ.
        var stableIDs = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        "union_linear", "union_task_arithmetic", "union_ties", "union_stripped_base", "model_source", "base_source",
        "base_padded", "tokens_overrides", "pad_union", "pad_base_tokens", "tied_union", "unigram_union",
        "wordpiece_union", "chat_auto_union", "chat_chatml_base", "chat_exaone_union", "chat_llama3_model",
        "chat_mistral_base",
    ].map { Case(name: $0) } + [
        Case(name: "union_no_base", stableIDs: false),
        Case(name: "vocab_union", root: TokenizerFixtures.conformance),
    ]

    @Test(arguments: cases)
    func vocabularyMatchesMergekit(_ testCase: Case) throws {
        let golden = try GoldenCase(testCase.name, root: testCase.root)
        let plan = try golden.plan()
        let expected = try golden.goldenVocabulary()
        let ours = plan.output

        #expect(Set(ours.tokens) == Set(expected.tokensByID.map(\.token)))
        #expect(ours.count == expected.count)
        if testCase.stableIDs {
            let sourceTokens = try TokenizerVocabulary.read(ours.source.tokenizerFile)
            let ourIDs = Dictionary(ours.tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            for (token, id) in expected.tokensByID where sourceTokens.id(of: token).map({ $0 < (ours.strippedFrom ?? .max) }) ?? false {
                #expect(ourIDs[token] == id, "token \(token)")
            }
        }
        #expect(flagsByContent(ours.addedTokens) == flagsByContent(expected.addedTokens))
        #expect(try golden.goldenConfig()["vocab_size"]?.intValue == plan.rowCount)
    }

    @Test(arguments: cases)
    func writtenFilesMatchMergekit(_ testCase: Case) throws {
        let golden = try GoldenCase(testCase.name, root: testCase.root)
        let plan = try golden.plan()
        let template = golden.recipe.chatTemplate.flatMap {
            ChatTemplateResolver.resolve($0.value, tokenizers: golden.inputs.map(\.tokenizer))
        }
        let (written, directory) = try golden.writeAndRead(TokenizerFiles.make(for: plan.output, chatTemplate: template))
        let expected = try #require(try ModelTokenizer.read(directory: golden.outputDirectory))

        #expect(written.vocabulary.modelTokensByID.map { "\($0.token) \($0.id)" }
                == expected.vocabulary.modelTokensByID.map { "\($0.token) \($0.id)" })
        #expect(flagsByContent(written.vocabulary.addedTokens) == flagsByContent(expected.vocabulary.addedTokens))
        if testCase.stableIDs {
            #expect(written.chatTemplate == expected.chatTemplate)
        }

        let ours = try TokenizerDocument.read(written.tokenizerFile).root
        withExtendedLifetime(directory) {}
        let theirs = try TokenizerDocument.read(golden.outputDirectory + "/tokenizer.json").root
        for key in ["normalizer", "pre_tokenizer", "decoder"] {
            #expect(ours[key] == theirs[key], "\(key)")
        }
        #expect(mergePairs(ours) == mergePairs(theirs))
    }

    private func flagsByContent(_ tokens: [AddedToken]) -> [String: [Bool]] {
        Dictionary(tokens.map { ($0.content, [$0.special, $0.normalized, $0.leftStrip, $0.rightStrip, $0.singleWord]) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// BPE merges as pairs, whichever of the two spellings the file uses.
    private func mergePairs(_ root: JSONObject) -> [[String]] {
        (root["model"]?["merges"]?.arrayValue ?? []).map { merge in
            if let text = merge.stringValue { return text.split(separator: " ").map(String.init) }
            return merge.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }
}
