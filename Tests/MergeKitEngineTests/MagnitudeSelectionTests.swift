@testable import MergeKitEngine
import MergeKitRandom
import MergeKitTestSupport
import Testing

/// Radix selection of the top-q |x − base| against a sort-based reference, on data with many
/// ties and magnitudes spread over many exponents, for several chunkings.
@Suite struct MagnitudeSelectionTests {
    /// Values drawn from a few levels × powers of two with random signs: lots of exact ties,
    /// and high-16-bit buckets that differ.
    static func tiedValues(count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let level = Float(generator.next() % 5)
            let exponent = Int(generator.next() % 6) - 12
            let sign: Float = generator.next() % 2 == 0 ? 1 : -1
            return sign * level * Float(sign: .plus, exponent: exponent, significand: 1)
        }
    }

    /// The reference: indices sorted by |τ| descending, lower index first on ties; the first q.
    static func referenceTop(_ tau: [Float], _ q: Int) -> Set<Int> {
        let order = tau.indices.sorted { a, b in
            let (x, y) = (tau[a].magnitude, tau[b].magnitude)
            return x != y ? x > y : a < b
        }
        return Set(order.prefix(q))
    }

    @Test(arguments: [1, 3, 1000])
    func matchesSortReference(rowsPerChunk: Int) throws {
        let rowLength = 16
        let count = rowLength * 60
        let base = Self.tiedValues(count: count, seed: 1).map { $0 / 4 }
        let values = zip(Self.tiedValues(count: count, seed: 2), base).map { $0 + $1 }
        let tau = zip(values, base).map { $0 - $1 }
        let source = ArrayChunkSource(inputs: [base, values], rowLength: rowLength, rowsPerChunk: rowsPerChunk)
        let counts = [0, 1, 2, count / 3, count / 2, count - 1, count, 517]
        let cuts = try RadixSelection.cuts(
            for: counts.map { .init(stream: 0, count: $0) }, elementCount: count,
            keys: TaskVectorMagnitudeKeys(base: 0, inputs: [1]), source: source)
        for (q, cut) in zip(counts, cuts) {
            let selected = Set(tau.indices.filter { cut.contains(key: tau[$0].magnitude.bitPattern, at: $0) })
            #expect(selected == Self.referenceTop(tau, q), "q = \(q)")
        }
        // The data really has ties straddling cuts.
        let sortedMagnitudes = tau.map(\.magnitude).sorted(by: >)
        #expect(sortedMagnitudes[count / 2 - 1] == sortedMagnitudes[count / 2])
    }

    @Test func windowKeepsRanksBetweenTwoCuts() throws {
        let tau: [Float] = [5, -1, 3, 3, 0, -3, 2, 4]
        let base = [Float](repeating: 0, count: tau.count)
        let source = ArrayChunkSource(inputs: [base, tau], rowLength: 8, rowsPerChunk: 1)
        let windows = try MagnitudeWindow.select(
            [.init(input: 1, count: 5, excludedCount: 2)], baseInput: 0, elementCount: 8, source: source)
        let window = try #require(windows[0])
        // Descending: 5 (0), 4 (7), 3 (2), 3 (3), 3 (5), 2 (6), 1 (1), 0 (4); ranks [2, 5) = 2, 3, 5.
        let kept = tau.indices.filter { window.contains(magnitudeBits: tau[$0].magnitude.bitPattern, at: $0) }
        #expect(kept == [2, 3, 5])
    }
}
