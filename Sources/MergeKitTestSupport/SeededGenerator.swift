/// SplitMix64: a tiny, fully specified generator, so test fixtures are the same on every
/// platform and Swift version (the standard library's generator is neither seeded nor stable).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform value in [-scale, scale) with 24 random bits.
    mutating func nextSigned(scale: Float) -> Float {
        let unit = Float(next() &>> 40) * 0x1p-24
        return (unit * 2 - 1) * scale
    }
}
