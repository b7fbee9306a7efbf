import MergeKitRandom

/// DARE's keep test u_j < p decided on integers, so the mask loop needs no int → double
/// conversion: u_j = m·2⁻⁵³ with m = mix(key + j·increment) >> 11 < 2⁵³ (docs/rng.md), and p·2⁵³
/// is exact (a power-of-two scaling), so u_j < p ⟺ m < ⌈p·2⁵³⌉. Same bits as `TensorSeed.uniform`.
struct BernoulliThreshold: Sendable {
    let key: UInt64
    /// Kept iff m < bound (0 keeps nothing, 2⁵³ everything).
    let bound: UInt64

    init(probability: Double, stream: TensorSeed) {
        key = stream.key
        bound = Self.bound(probability: probability)
    }

    /// ⌈p·2⁵³⌉ clamped to [0, 2⁵³]; NaN keeps nothing, like u < NaN.
    static func bound(probability: Double) -> UInt64 {
        let scaled = (probability * 0x1p53).rounded(.up)
        return scaled >= 0x1p53 ? 1 << 53 : (scaled > 0 ? UInt64(scaled) : 0)
    }

    @inline(__always)
    func keeps(_ index: Int) -> Bool {
        Self.draw(counter: key &+ UInt64(truncatingIfNeeded: index) &* SplitMix64.increment) < bound
    }

    /// The counter of element `index`: key + index·increment. Loops step it by `increment`
    /// instead of multiplying per element.
    @inline(__always)
    func counter(at index: Int) -> UInt64 {
        key &+ UInt64(truncatingIfNeeded: index) &* SplitMix64.increment
    }

    /// m = mix64(counter) >> 11, the 53 random bits of u.
    @inline(__always)
    static func draw(counter: UInt64) -> UInt64 {
        SplitMix64.mix(counter) &>> 11
    }

    /// All ones if the draw of `counter` is kept, else zero: a select without a branch (the
    /// outcome is random, so a branch would mispredict half the time).
    @inline(__always)
    func keepMask(counter: UInt64) -> UInt64 {
        Self.keepMask(draw: Self.draw(counter: counter), bound: bound)
    }

    /// All ones iff draw < bound, by arithmetic (both are ≤ 2⁵³, so the difference's sign bit
    /// is the comparison); a Bool select would let the compiler branch again.
    @inline(__always)
    static func keepMask(draw: UInt64, bound: UInt64) -> UInt64 {
        0 &- ((draw &- bound) &>> 63)
    }
}
