/// The SplitMix64 finalizer (Steele, Lea & Flood 2014): a bijective 64-bit mix whose outputs pass
/// BigCrush when fed a Weyl sequence. It is the only primitive of the mask RNG (docs/rng.md).
public enum SplitMix64 {
    /// The Weyl increment ⌊2⁶⁴/φ⌋, odd, so `i · increment` visits every 64-bit value.
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}
