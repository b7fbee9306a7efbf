/// Selection keys of one value derived per element from a tensor's inputs (sce's variances,
/// arcee_fusion's importance scores), recomputed chunk by chunk instead of held: one stream of
/// order-preserving UInt32 keys of the values' Float bit patterns. Owns the buffer the keys of
/// the current chunk live in (one for the whole selection, grown when a chunk is larger).
final class DerivedValueKeys: SelectionKeys {
    /// Fills `values` (one per element of the chunk) with the derived values. Must give the same
    /// values every time it sees the same chunk.
    typealias Derive = (InputChunk, UnsafeMutableBufferPointer<Float>) -> Void

    private let derive: Derive
    private var buffer = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 1)

    init(_ derive: @escaping Derive) {
        self.derive = derive
    }

    deinit {
        buffer.deallocate()
    }

    /// Order-preserving key: a < b as Floats (NaN aside) iff key(a) < key(b); −0 ranks just
    /// below +0.
    @inline(__always)
    static func key(_ value: Float) -> UInt32 {
        key(bits: value.bitPattern)
    }

    @inline(__always)
    static func key(bits: UInt32) -> UInt32 {
        bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    static func value(ofKey key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }

    /// The values are derived into the key buffer, then their bit patterns turned into keys in place.
    func keys(of stream: Int, in chunk: InputChunk) -> UnsafeBufferPointer<UInt32> {
        let count = chunk.elements.count
        if buffer.count < count {
            buffer.deallocate()
            buffer = .allocate(capacity: count)
        }
        let keys = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
        keys.withMemoryRebound(to: Float.self) { derive(chunk, $0) }
        for j in 0..<count { keys[j] = Self.key(bits: keys[j]) }
        return UnsafeBufferPointer(keys)
    }

    /// The derived values of ascending rank `ranks` (0 = smallest).
    func values(atRanks ranks: [Int], elementCount: Int, source: any ChunkSource) throws -> [Float] {
        let cuts = try RadixSelection.cuts(
            for: ranks.map { .init(stream: 0, count: elementCount - $0) }, elementCount: elementCount, keys: self, source: source)
        return cuts.map { Self.value(ofKey: $0.threshold) }
    }

    /// The cut holding the `count` largest derived values (ties: lowest flat index first).
    func top(_ count: Int, elementCount: Int, source: any ChunkSource) throws -> TopCut {
        try RadixSelection.cuts(for: [.init(stream: 0, count: count)], elementCount: elementCount, keys: self, source: source)[0]
    }
}
