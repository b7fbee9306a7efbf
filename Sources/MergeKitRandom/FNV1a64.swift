/// 64-bit FNV-1a over bytes: turns a tensor name into a number for the mask RNG's key
/// (docs/rng.md), and fingerprints text elsewhere. Chosen for being trivial to re-implement
/// exactly in any language.
public struct FNV1a64: Sendable {
    @inlinable
    public static var offsetBasis: UInt64 { 0xCBF2_9CE4_8422_2325 }

    @inlinable
    public static var prime: UInt64 { 0x0000_0100_0000_01B3 }

    /// The hash of everything combined so far (`offsetBasis` for nothing).
    public var value: UInt64 { state }

    @usableFromInline
    var state: UInt64 = offsetBasis

    public init() {}

    @inlinable
    public mutating func combine(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    @inlinable
    public mutating func combine(contentsOf bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte) }
    }

    /// The hash of `text`'s UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a64()
        hasher.combine(contentsOf: text.utf8)
        return hasher.value
    }
}
