import MergeKitRandom

/// The random stream of one (recipe seed, output tensor, source model): a counter-based RNG, so
/// element j's number is a pure function of (seed, tensor name, source position, j). No state is
/// carried from element to element, which is why masks do not depend on chunking, thread count
/// or the order in which tensors are merged. docs/rng.md specifies it and gives test vectors.
public struct TensorSeed: Sendable, Equatable {
    public let key: UInt64

    /// key = mix64(fnv1a64(name) ^ mix64(seed ^ (position · increment))).
    public init(seed: UInt64, tensorName: String, sourcePosition: Int) {
        let positionTerm = UInt64(truncatingIfNeeded: sourcePosition) &* SplitMix64.increment
        key = SplitMix64.mix(FNV1a64.hash(tensorName) ^ SplitMix64.mix(seed ^ positionTerm))
    }

    /// A uniform number in [0, 1) with 53 random bits for flat element index `index`.
    @inline(__always)
    public func uniform(at index: Int) -> Double {
        let bits = SplitMix64.mix(key &+ UInt64(truncatingIfNeeded: index) &* SplitMix64.increment)
        return Double(bits &>> 11) * 0x1p-53
    }
}
