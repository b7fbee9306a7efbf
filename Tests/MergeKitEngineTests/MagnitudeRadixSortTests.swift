@testable import MergeKitEngine
import Testing

/// DELLA's radix sort of row keys must order exactly like the comparator sort it replaced:
/// ascending |τ| bits, equal magnitudes by column (many ties, NaN patterns, skipped digits).
@Suite struct MagnitudeRadixSortTests {
    @Test(arguments: [0, 1, 2, 7, 31, 32, 33, 35, 896, 4863, 4864])
    func matchesTheComparatorSort(length: Int) {
        var generator = SystemRandomNumberGenerator()
        let patterns: [(inout SystemRandomNumberGenerator) -> UInt32] = [
            { _ in 0 },
            { UInt32.random(in: 0...3, using: &$0) &<< 16 },
            { Float(Float.random(in: -0.01...0.01, using: &$0)).magnitude.bitPattern & 0x7FFF_0000 },
            { UInt32.random(in: 0...0x7FFF_FFFF, using: &$0) },
            { [Float.nan.bitPattern, Float.infinity.bitPattern, 0, 1][Int.random(in: 0...3, using: &$0)] & 0x7FFF_FFFF },
        ]
        for pattern in patterns {
            var keys = (0..<length).map { UInt64(pattern(&generator)) &<< 32 | UInt64($0) }
            let expected = keys.sorted()
            let spare = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(length, 1))
            defer { spare.deallocate() }
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4 * 256)
            defer { counts.deallocate() }
            keys.withUnsafeMutableBufferPointer { MagnitudeRadixSort.sort($0, spare: spare, counts: counts) }
            #expect(keys == expected)
        }
    }
}
