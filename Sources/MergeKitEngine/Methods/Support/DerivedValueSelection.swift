/// Exact order statistics of values derived from a tensor's inputs (sce's variances,
/// arcee_fusion's importance scores) without holding them: radix selection over
/// order-preserving UInt32 keys of their Float bit patterns, in streaming passes that recompute
/// the values chunk by chunk. Pass 1 histograms the high 16 bits, pass 2 the low 16 bits inside
/// the bucket found; pass 3, only when equal values straddle a cut, finds the flat index of the
/// last one kept (lowest indices first). Like `MagnitudeSelection`, but over any derived value.
enum DerivedValueSelection {
    /// Fills `values` (one per element of the chunk) with the derived values. Must give the same
    /// values every time it sees the same chunk.
    typealias Derive = (InputChunk, UnsafeMutableBufferPointer<Float>) -> Void

    static let bucketCount = 1 << 16

    /// Order-preserving key: a < b as Floats (NaN aside) iff key(a) < key(b).
    @inline(__always)
    static func key(_ value: Float) -> UInt32 {
        let bits = value.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    static func value(ofKey key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }

    /// For each count q, the cut holding the q largest values (ties: lowest flat index first);
    /// its `threshold` is the key of the q-th largest value.
    static func topCuts(
        counts: [Int], elementCount: Int, source: any ChunkSource, derive: Derive
    ) throws -> [MagnitudeCut] {
        var cuts = counts.map { $0 <= 0 ? MagnitudeCut.nothing : .everything }
        let active = counts.indices.filter { counts[$0] > 0 && counts[$0] <= elementCount }
        guard !active.isEmpty else { return cuts }

        var high = [Int](repeating: 0, count: bucketCount)
        try forEachKey(source, derive) { keys, _ in
            for key in keys { high[Int(key &>> 16)] += 1 }
        }
        let located = active.map { MagnitudeSelection.locate(counts[$0], in: high[...]) }

        var buckets: [UInt32] = []
        for found in located where !buckets.contains(found.bucket) { buckets.append(found.bucket) }
        var low = [Int](repeating: 0, count: buckets.count * bucketCount)
        try forEachKey(source, derive) { keys, _ in
            for key in keys {
                if let slot = buckets.firstIndex(of: key &>> 16) { low[slot * bucketCount + Int(key & 0xFFFF)] += 1 }
            }
        }
        var straddling: [(index: Int, threshold: UInt32, needed: Int)] = []
        for (position, index) in active.enumerated() {
            let slot = buckets.firstIndex(of: located[position].bucket) ?? 0
            let offset = slot * bucketCount
            let found = MagnitudeSelection.locate(located[position].needed, in: low[offset..<(offset + bucketCount)])
            let threshold = located[position].bucket &<< 16 | found.bucket
            cuts[index] = MagnitudeCut(threshold: threshold, lastTieIndex: .max)
            if found.needed < low[offset + Int(found.bucket)] { straddling.append((index, threshold, found.needed)) }
        }
        guard !straddling.isEmpty else { return cuts }

        var seen = [Int](repeating: 0, count: straddling.count)
        try forEachKey(source, derive) { keys, first in
            for (position, entry) in straddling.enumerated() where seen[position] < entry.needed {
                for (j, key) in keys.enumerated() where key == entry.threshold {
                    seen[position] += 1
                    if seen[position] == entry.needed {
                        cuts[entry.index].lastTieIndex = first + j
                        break
                    }
                }
            }
        }
        return cuts
    }

    /// The value of ascending rank `rank` (0 = smallest) of the derived values.
    static func values(atRanks ranks: [Int], elementCount: Int, source: any ChunkSource, derive: Derive) throws -> [Float] {
        let cuts = try topCuts(counts: ranks.map { elementCount - $0 }, elementCount: elementCount, source: source, derive: derive)
        return cuts.map { value(ofKey: $0.threshold) }
    }

    private static func forEachKey(
        _ source: any ChunkSource, _ derive: Derive, _ body: (UnsafeBufferPointer<UInt32>, Int) -> Void
    ) throws {
        // One pair of buffers for the whole pass, grown when a chunk is larger.
        var values = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1)
        var keys = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 1)
        defer {
            values.deallocate()
            keys.deallocate()
        }
        try source.forEachChunk { chunk in
            let count = chunk.elements.count
            if values.count < count {
                values.deallocate()
                keys.deallocate()
                values = .allocate(capacity: count)
                keys = .allocate(capacity: count)
            }
            derive(chunk, UnsafeMutableBufferPointer(rebasing: values[0..<count]))
            for j in 0..<count { keys[j] = key(values[j]) }
            body(UnsafeBufferPointer(rebasing: keys[0..<count]), chunk.elements.lowerBound)
        }
    }
}
