import MergeKitRandom

/// A fast 64-bit checksum of a tensor's output bytes, kept in the resume journal so a resumed run
/// can tell a fully written tensor from a torn one. Four independent lanes over 8-byte words
/// (so the multiplies overlap), folded with the length; not cryptographic, only a guard against
/// partial writes.
public struct OutputChecksum: Sendable {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0, 0x082EFA98EC4E6C89)
    private var length: UInt64 = 0
    private var pending: [UInt8] = []

    public init() {}

    private static let prime: UInt64 = 0x9E3779B97F4A7C15

    /// Feeds bytes; may be called repeatedly (blocks need not be multiples of 8).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var start = 0
        if !pending.isEmpty {
            let take = min(32 - pending.count, bytes.count)
            pending += bytes[0..<take]
            start = take
            if pending.count == 32 {
                pending.withUnsafeBytes { consume32($0, at: 0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        let whole = (bytes.count - start) / 32 * 32
        var offset = start
        while offset < start + whole {
            consume32(bytes, at: offset)
            offset += 32
        }
        if offset < bytes.count { pending += bytes[offset...] }
    }

    private mutating func consume32(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        lanes.0 = Self.round(lanes.0, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        lanes.1 = Self.round(lanes.1, bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        lanes.2 = Self.round(lanes.2, bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
        lanes.3 = Self.round(lanes.3, bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
    }

    private static func round(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = (lane ^ word) &* prime
        return (mixed << 31) | (mixed >> 33)
    }

    /// The checksum of everything fed so far.
    public var value: UInt64 {
        var tail = lanes
        for (index, byte) in pending.enumerated() {
            tail.0 = Self.round(tail.0, UInt64(byte) &+ UInt64(index) << 8)
        }
        var h = length
        for lane in [tail.0, tail.1, tail.2, tail.3] {
            h = SplitMix64.mix(h ^ lane)
        }
        return h
    }
}
