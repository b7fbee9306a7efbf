import Foundation
import MergeKitTestSupport
import Testing

/// Recipes far larger than anyone writes are read, checked and planned in time linear in their
/// size (issue 10, item 12: a 20k-element list took 6.6 s, a 20k-key mapping 18.5 s, a
/// 100k-anchor gradient over a minute; 20k errors on one 60 KB line printed that line 20k times).
/// The models have one layer, so the per-tensor work stays small and the time measures the
/// recipe. The limit is generous for a debug build on a busy machine (each case takes 1–3 s);
/// the quadratic code took 20 s to minutes per case, and printed the 5k errors' line 5k times.
@Suite struct LargeRecipeTests {
    static let timeLimit: Duration = .seconds(15)

    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        /// The recipe text after `merge_method: linear` and `models:` with the two models.
        var parameters: @Sendable (_ count: Int) -> String
        var count: Int
        var status: Int32
        /// How many `warning:` / `error:` diagnostics stderr must hold.
        var warnings: Int
        var errors: Int
        var testDescription: String { id }
    }

    static let cases: [Case] = [
        Case(id: "a gradient of 40k elements",
             parameters: { "weight: [" + Array(repeating: "0.5", count: $0).joined(separator: ", ") + "]" },
             count: 40_000, status: 0, warnings: 0, errors: 0),
        Case(id: "a mapping of 20k keys (each an unknown parameter)",
             parameters: { count in "weight: 1.0\n" + (0..<count).map { "      k\($0): 1\n" }.joined() },
             count: 20_000, status: 0, warnings: 20_000, errors: 0),
        // ~500 KB of anchors, behind a filter no tensor matches: checked once, never interpolated.
        Case(id: "a gradient of 100k anchors",
             parameters: {
                 "weight: [{filter: no_such_tensor, value: [" + Array(repeating: "0.25", count: $0).joined(separator: ", ")
                     + "]}, {value: 1.0}]"
             },
             count: 100_000, status: 0, warnings: 0, errors: 0),
        Case(id: "5k errors on one line",
             parameters: { "weight: [" + Array(repeating: "x", count: $0).joined(separator: ", ") + "]" },
             count: 5_000, status: 65, warnings: 0, errors: 5_001),
    ]

    @Test(arguments: cases)
    func validatesInTime(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        for (name, seed) in [("base", UInt64(1)), ("ft", UInt64(2))] {
            try TinyCheckpoint.write(
                TinyCheckpoint.llama(layers: 1, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32, seed: seed),
                to: "\(directory.path)/\(name)",
                config: TinyCheckpoint.llamaConfig(layers: 1, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32))
        }
        let recipe = """
            merge_method: linear
            models:
              - model: ./ft
                parameters:
                  \(testCase.parameters(testCase.count))
              - model: ./base
                parameters:
                  weight: 1.0

            """
        try recipe.write(toFile: directory.path + "/big.yaml", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["validate", "big.yaml"], in: directory.path, timeLimit: Self.timeLimit)
        #expect(result.status == testCase.status, "\(result.stderr.prefix(500))")
        #expect(result.elapsed < Self.timeLimit)
        // Each diagnostic echoes at most a window of its line, not the whole line again.
        try #require(result.stderr.utf8.count <= (testCase.warnings + testCase.errors) * 600)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("big.yaml:") && $0.contains(": warning: ") }.count == testCase.warnings)
        #expect(lines.filter { $0.contains(": error: ") || $0.hasPrefix("error: ") }.count == testCase.errors)
    }
}
