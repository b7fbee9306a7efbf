/// SplitMix64 (Steele, Lea & Flood 2014): a Weyl sequence (`state += increment`) run through a
/// bijective 64-bit finalizer whose outputs pass BigCrush. The finalizer alone is the only
/// primitive of the mask RNG (docs/rng.md); the generator makes reproducible test and benchmark
/// data, the same on every platform and Swift version (the standard library's generator is
/// neither seeded nor stable).
///
/// `mix` and `increment` are `@inlinable`: the mask loops call them once per element from other
/// modules, and a call across the module boundary there would cost more than the mix itself.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The Weyl increment ⌊2⁶⁴/φ⌋, odd, so `i · increment` visits every 64-bit value.
    @inlinable
    public static var increment: UInt64 { 0x9E37_79B9_7F4A_7C15 }

    /// The finalizer: z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
    /// z *= 0x94D049BB133111EB; z ^= z >> 31 (all mod 2⁶⁴).
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    @usableFromInline
    var state: UInt64

    /// The generator whose first output is `mix(seed + increment)`.
    @inlinable
    public init(seed: UInt64) {
        state = seed
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }
}
