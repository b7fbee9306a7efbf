import Foundation

/// docs/rng.md, written out independently of the implementation.
struct TensorSeedReference {
    let key: UInt64

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    init(seed: UInt64, name: String, position: Int) {
        let hash = name.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        key = Self.mix(hash ^ Self.mix(seed ^ (UInt64(position) &* 0x9E37_79B9_7F4A_7C15)))
    }

    func uniform(_ index: Int) -> Double {
        Double(Self.mix(key &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 11) * 0x1p-53
    }

    func normal(_ index: Int) -> Double {
        (-2 * log(1 - uniform(2 * index))).squareRoot() * cos(2 * Double.pi * uniform(2 * index + 1))
    }
}
