import MergeKitRandom
import Testing

/// The mixer against the vectors of docs/rng.md (computed with python3's arbitrary-precision
/// integers masked to 64 bits), and the generator against the reference SplitMix64 stream.
@Suite struct SplitMix64Tests {
    @Test func mixMatchesReference() {
        #expect(SplitMix64.mix(0) == 0)
        #expect(SplitMix64.mix(1) == 0x5692_161D_100B_05E5)
        // The first output of the SplitMix64 generator seeded with 0.
        #expect(SplitMix64.mix(0x9E37_79B9_7F4A_7C15) == 0xE220_A839_7B1D_CDAF)
    }

    /// Vigna's splitmix64.c seeded with 0 starts 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4,
    /// 0x06c45d188009454f.
    @Test func generatorIsTheReferenceStream() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func generatorIsTheMixOfAWeylSequence() {
        var generator = SplitMix64(seed: 42)
        for step in 1...100 {
            #expect(generator.next() == SplitMix64.mix(42 &+ UInt64(step) &* SplitMix64.increment))
        }
    }
}
