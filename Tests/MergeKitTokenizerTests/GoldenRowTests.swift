import MergeKitTestSupport
import Testing
@testable import MergeKitTokenizer

/// The row plans against mergekit 0.1.5's merged embeddings: each participant's aligned rows
/// (`AlignedEmbeddings`), merged with the recipe's linear or task-arithmetic weights, must give
/// mergekit's output rows, matched by token (and padding rows by position).
@Suite struct GoldenRowTests {
    enum Method: Sendable { case linear, taskArithmetic }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var root: String = TokenizerFixtures.root
        var method: Method = .linear
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        "union_linear", "union_stripped_base", "model_source", "base_source", "base_padded", "tokens_overrides",
        "pad_union", "pad_base_tokens", "tied_union", "unigram_union", "wordpiece_union",
    ].map { Case(name: $0) } + [
        Case(name: "union_task_arithmetic", method: .taskArithmetic),
        Case(name: "vocab_union", root: TokenizerFixtures.conformance),
    ]

    static let embeddingNames = ["model.embed_tokens.weight", "lm_head.weight"]

    @Test(arguments: cases)
    func mergedRowsMatchMergekit(_ testCase: Case) throws {
        let golden = try GoldenCase(testCase.name, root: testCase.root)
        let plan = try golden.plan()
        let goldenVocabulary = try golden.goldenVocabulary()
        let goldenTensors = try TinyCheckpoint.readAll(golden.outputDirectory)
        let inputTensors = try golden.references.indices.map { try TinyCheckpoint.readAll(golden.directory(ofInput: $0)) }
        let weights = try golden.weights()

        for name in Self.embeddingNames {
            let expected = try #require(goldenTensors[name], "\(name)")
            // A model without lm_head contributes its tied embedding (mergekit's tied_names).
            let held = golden.mergeOrder.compactMap { input -> (Int, TensorData)? in
                guard let tensor = inputTensors[input][name] ?? (name == "lm_head.weight"
                    ? inputTensors[input]["model.embed_tokens.weight"] : nil) else { return nil }
                return (input, tensor)
            }
            let rowPlan = try plan.embeddingRows(
                for: name, participants: held.map { EmbeddingParticipant(input: $0.0, rows: $0.1.shape[0]) })
            let aligned = AlignedEmbeddings(plan: rowPlan, tensors: held.map(\.1))
            #expect(expected.shape == [plan.rowCount, aligned.width], "\(name)")

            let scale = expected.values.map(\.magnitude).max() ?? 0
            for row in 0 ..< plan.rowCount {
                let merged = merge(aligned, row: row, inputs: rowPlan.participants, weights: weights,
                                   base: golden.base, method: testCase.method)
                let goldenRow: Int
                if row < plan.tokenCount {
                    goldenRow = try #require(goldenVocabulary.id(of: plan.output.tokens[row]))
                } else {
                    goldenRow = row
                }
                let width = aligned.width
                expectClose(merged, Array(expected.values[goldenRow * width ..< (goldenRow + 1) * width]),
                            rtol: 1e-5, atol: 1e-6 * scale)
            }
        }
    }

    /// linear (normalised): Σ wᵢ aᵢ / Σ wᵢ; task arithmetic: a_base + Σ wᵢ (aᵢ − a_base).
    private func merge(
        _ aligned: AlignedEmbeddings, row: Int, inputs: [Int], weights: [Int: Double], base: Int?, method: Method
    ) -> [Float] {
        (0 ..< aligned.width).map { column in
            let values = inputs.indices.map { Double(aligned.row($0, row)[aligned.row($0, row).startIndex + column]) }
            switch method {
            case .linear:
                let total = inputs.reduce(0.0) { $0 + (weights[$1] ?? 1) }
                return Float(zip(inputs, values).reduce(0.0) { $0 + (weights[$1.0] ?? 1) * $1.1 } / total)
            case .taskArithmetic:
                guard let base, let basePosition = inputs.firstIndex(of: base) else { return .nan }
                let baseValue = values[basePosition]
                return Float(zip(inputs, values).reduce(baseValue) { sum, pair in
                    pair.0 == base ? sum : sum + (weights[pair.0] ?? 1) * (pair.1 - baseValue)
                })
            }
        }
    }
}
