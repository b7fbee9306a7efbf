@testable import MergeKitEngine
import Testing

/// Radix selection over values derived from the inputs (sce's variances, arcee_fusion's
/// quantiles) against a sort-based reference: negative, zero and tied values, every rank from the
/// smallest to the largest, several chunkings.
@Suite struct DerivedValueKeysTests {
    /// The derived value is input 0 itself, so the reference is a sort of the input.
    static func identity() -> DerivedValueKeys {
        DerivedValueKeys { chunk, values in
            for j in 0..<values.count { values[j] = chunk.inputs[0][j] }
        }
    }

    static let values: [Float] = MagnitudeSelectionTests.tiedValues(count: 16 * 50, seed: 9).enumerated().map { index, value in
        index % 7 == 0 ? -value : value
    } + [0, -0.0, 0]

    @Test(arguments: [1, 3, 1000])
    func ranksMatchASort(rowsPerChunk: Int) throws {
        let source = ArrayChunkSource(inputs: [Self.values], rowLength: 1, rowsPerChunk: rowsPerChunk * 16)
        let n = Self.values.count
        let ranks = [0, 1, n / 4, n / 2, n / 2 + 1, 3 * n / 4, n - 2, n - 1]
        let found = try Self.identity().values(atRanks: ranks, elementCount: n, source: source)
        let sorted = Self.values.sorted()
        for (rank, value) in zip(ranks, found) {
            #expect(value == sorted[rank], "rank \(rank)")
        }
    }

    @Test(arguments: [1, 7])
    func topCutKeepsTheLargestLowestIndexFirst(rowsPerChunk: Int) throws {
        let source = ArrayChunkSource(inputs: [Self.values], rowLength: 1, rowsPerChunk: rowsPerChunk * 16)
        let n = Self.values.count
        for k in [1, 5, n / 3, n / 2, n - 1, n] {
            let cut = try Self.identity().top(k, elementCount: n, source: source)
            let selected = Set(Self.values.indices.filter { cut.contains(key: DerivedValueKeys.key(Self.values[$0]), at: $0) })
            // −0 ranks below +0 (the keys order bit patterns); otherwise the Float order.
            let keys = Self.values.map(DerivedValueKeys.key)
            let order = Self.values.indices.sorted { a, b in keys[a] != keys[b] ? keys[a] > keys[b] : a < b }
            #expect(selected == Set(order.prefix(k)), "k = \(k)")
        }
    }

    @Test func keysOrderLikeTheValues() {
        let values: [Float] = [-.infinity, -3, -1e-30, -0.0, 0, 1e-30, 2, .infinity]
        let keys = values.map(DerivedValueKeys.key)
        #expect(keys == keys.sorted())
        #expect(values.allSatisfy { DerivedValueKeys.value(ofKey: DerivedValueKeys.key($0)).bitPattern == $0.bitPattern })
    }
}
