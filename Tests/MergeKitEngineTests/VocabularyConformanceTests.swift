import Foundation
import MergeKitEngine
import MergeKitTestSupport
import Testing

/// Recipes with tokenizer settings run through the planner and executor against mergekit
/// 0.1.5's outputs (Fixtures/tokenizer and the public conformance case vocab_union): tensors
/// with rows matched by token, config.json's vocab_size, tokenizer files semantically and the
/// chat template text (`VocabularyGolden`).
@Suite struct VocabularyConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var root = FixturePaths.tokenizer
        /// false when mergekit's output holds no weights (chat templates, no base_model).
        var hasWeights = true
        /// false when mergekit's choice of base was arbitrary (no base_model).
        var stableIDs = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        "union_linear", "union_task_arithmetic", "union_ties", "union_stripped_base", "model_source", "base_source",
        "base_padded", "tokens_overrides", "pad_union", "pad_base_tokens", "tied_union", "unigram_union", "wordpiece_union",
    ].map { Case(name: $0) } + [
        "chat_auto_union", "chat_chatml_base", "chat_exaone_union", "chat_llama3_model", "chat_mistral_base", "chat_alpaca_copy",
        "chat_inline_copy",
    ].map { Case(name: $0, hasWeights: false) } + [
        Case(name: "union_no_base", hasWeights: false, stableIDs: false),
        Case(name: "vocab_union", root: FixturePaths.conformance),
    ]

    @Test(arguments: cases)
    func matchesMergekit(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        let caseDirectory = testCase.root + "/" + testCase.name
        let golden = caseDirectory + "/out"
        let output = try MergeHarness.merge(recipe: caseDirectory + "/recipe.yaml", into: directory)

        #expect(try VocabularyGolden.config(output)["vocab_size"] == VocabularyGolden.config(golden)["vocab_size"])
        // mergekit keeps the base's tie_word_embeddings next to a head the output stores (tied_union);
        // the output then says false, so no loader ties that head away (docs/tokenizers.md).
        let goldenTie = try VocabularyGolden.config(golden)["tie_word_embeddings"]
        let storesHead = try TinyCheckpoint.readAll(output)["lm_head.weight"] != nil
        #expect(try VocabularyGolden.config(output)["tie_word_embeddings"] == (storesHead && goldenTie != nil ? .bool(false) : goldenTie))
        #expect(try VocabularyGolden.tokenizerDifferences(ours: output, golden: golden, stableIDs: testCase.stableIDs) == [])
        guard testCase.hasWeights else { return }
        let ours = try VocabularyGolden.reordered(TinyCheckpoint.readAll(output), oursDirectory: output, goldenDirectory: golden)
        let report = GoldenComparison().compare(candidate: ours, golden: try TinyCheckpoint.readAll(golden))
        #expect(report.failures == [])
        #expect(report.tensors > 0)
    }

    /// The output bytes do not depend on the thread count or the memory budget, padding rows
    /// (a reduction over the aligned rows) included.
    @Test func alignedOutputIsIndependentOfThreadsAndBudget() throws {
        let recipe = FixturePaths.tokenizer + "/pad_union/recipe.yaml"
        let one = try TemporaryDirectory()
        let many = try TemporaryDirectory()
        let first = try MergeHarness.merge(recipe: recipe, into: one, threads: 1)
        let second = try MergeHarness.merge(
            recipe: recipe, into: many, options: PlanOptions(chunkElements: 16, memoryBudget: 4096), threads: 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first + "/model.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: second + "/model.safetensors")))
    }
}
