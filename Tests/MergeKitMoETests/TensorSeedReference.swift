import Foundation
import MergeKitRandom

/// docs/rng.md's stream, written out independently of the engine's `TensorSeed` on top of the one
/// definition of the primitives (`mix64` and `fnv1a64`, in MergeKitRandom, checked against their
/// test vectors there).
struct TensorSeedReference {
    let key: UInt64

    init(seed: UInt64, name: String, position: Int) {
        key = SplitMix64.mix(FNV1a64.hash(name) ^ SplitMix64.mix(seed ^ (UInt64(position) &* 0x9E37_79B9_7F4A_7C15)))
    }

    func uniform(_ index: Int) -> Double {
        Double(SplitMix64.mix(key &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 11) * 0x1p-53
    }

    func normal(_ index: Int) -> Double {
        (-2 * log(1 - uniform(2 * index))).squareRoot() * cos(2 * Double.pi * uniform(2 * index + 1))
    }
}
