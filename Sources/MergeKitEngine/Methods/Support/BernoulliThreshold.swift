/// DARE's keep test u_j < p decided on integers, so the mask loop needs no int → double
/// conversion: u_j = m·2⁻⁵³ with m = mix(key + j·increment) >> 11 < 2⁵³ (docs/rng.md), and p·2⁵³
/// is exact (a power-of-two scaling), so u_j < p ⟺ m < ⌈p·2⁵³⌉. Same bits as `TensorSeed.uniform`.
struct BernoulliThreshold: Sendable {
    let key: UInt64
    /// Kept iff m < bound (0 keeps nothing, 2⁵³ everything).
    let bound: UInt64

    init(probability: Double, stream: TensorSeed) {
        key = stream.key
        let scaled = (probability * 0x1p53).rounded(.up)
        bound = scaled >= 0x1p53 ? 1 << 53 : (scaled > 0 ? UInt64(scaled) : 0)
    }

    @inline(__always)
    func keeps(_ index: Int) -> Bool {
        var z = key &+ UInt64(truncatingIfNeeded: index) &* SplitMix64.increment
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z &>> 31
        return z &>> 11 < bound
    }
}
