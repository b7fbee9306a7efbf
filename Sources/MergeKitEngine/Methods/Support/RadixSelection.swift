/// Exact top-q selection over selection keys (task-vector magnitudes, derived values) without
/// holding them: radix selection in streaming passes. Pass 1 histograms the high 16 bits of the
/// keys and finds the bucket holding the q-th largest; pass 2 histograms the low 16 bits inside
/// that bucket, which gives the exact threshold, and keeps that bucket's entries (up to
/// `candidateLimit` in all) to find the flat index of the last threshold-equal entry kept (lowest
/// indices first) when such ties straddle the cut; pass 3 finds it by scanning, only for cuts
/// whose candidates did not fit. So a map pass decides every entry on its own. Every pass reads
/// the chunks in order, so the result does not depend on chunk size.
enum RadixSelection {
    struct Request: Sendable, Equatable {
        /// The key stream ranked (see `SelectionKeys`).
        var stream: Int
        /// How many of the largest keys the cut holds (0 ... elementCount).
        var count: Int
    }

    static let bucketCount = 1 << 16
    /// How many bucket entries pass 2 may keep in all (8 bytes each) to spare pass 3.
    static let candidateLimit = 1 << 22

    /// One cut per request, in request order.
    static func cuts<Keys: SelectionKeys>(
        for requests: [Request], elementCount: Int, keys: Keys, source: any ChunkSource
    ) throws -> [TopCut] {
        var cuts = requests.map { $0.count <= 0 ? TopCut.nothing : .everything }
        let active = requests.indices.filter { requests[$0].count > 0 && requests[$0].count <= elementCount }
        guard !active.isEmpty else { return cuts }
        var streams: [Int] = []
        for index in active where !streams.contains(requests[index].stream) { streams.append(requests[index].stream) }

        // Pass 1: high halves, one histogram per stream.
        var high = [Int](repeating: 0, count: streams.count * bucketCount)
        try high.withUnsafeMutableBufferPointer { histogram in
            try source.forEachChunk { chunk in
                let count = chunk.elements.count
                for (slot, stream) in streams.enumerated() {
                    let streamKeys = keys.keys(of: stream, in: chunk)
                    let offset = slot * bucketCount
                    for j in 0..<count { histogram[offset + Int(streamKeys[j] &>> 16)] += 1 }
                }
            }
        }
        let buckets = active.map { index -> (bucket: UInt32, needed: Int) in
            let offset = (streams.firstIndex(of: requests[index].stream) ?? 0) * bucketCount
            return locate(requests[index].count, in: high[offset..<(offset + bucketCount)])
        }

        // Pass 2: low halves inside each cut's bucket. The bucket's entries are also kept
        // (flat index << 16 | low half, in index order) while they fit `candidateLimit`, so the
        // last kept threshold-equal entry can then be found without another pass.
        var low = [Int](repeating: 0, count: active.count * bucketCount)
        let limit = candidateLimit / active.count
        var candidates = [[UInt64]](repeating: [], count: active.count)
        var overflowed = [Bool](repeating: false, count: active.count)
        try low.withUnsafeMutableBufferPointer { histogram in
            try source.forEachChunk { chunk in
                let first = chunk.elements.lowerBound
                let count = chunk.elements.count
                for stream in streams {
                    let streamKeys = keys.keys(of: stream, in: chunk)
                    for (slot, index) in active.enumerated() where requests[index].stream == stream {
                        let bucket = buckets[slot].bucket
                        let offset = slot * bucketCount
                        if overflowed[slot] {
                            for j in 0..<count {
                                let key = streamKeys[j]
                                if key &>> 16 == bucket { histogram[offset + Int(key & 0xFFFF)] += 1 }
                            }
                            continue
                        }
                        var kept = candidates[slot]
                        candidates[slot] = []
                        for j in 0..<count {
                            let key = streamKeys[j]
                            if key &>> 16 == bucket {
                                histogram[offset + Int(key & 0xFFFF)] += 1
                                kept.append(UInt64(first + j) &<< 16 | UInt64(key & 0xFFFF))
                            }
                        }
                        if kept.count > limit {
                            overflowed[slot] = true
                        } else {
                            candidates[slot] = kept
                        }
                    }
                }
            }
        }
        var straddling: [(slot: Int, threshold: UInt32, ties: Int)] = []
        for (slot, index) in active.enumerated() {
            let offset = slot * bucketCount
            let found = locate(buckets[slot].needed, in: low[offset..<(offset + bucketCount)])
            let threshold = buckets[slot].bucket &<< 16 | found.bucket
            let tiesAtThreshold = low[offset + Int(found.bucket)]
            cuts[index] = TopCut(threshold: threshold, lastTieIndex: .max)
            guard found.needed < tiesAtThreshold else { continue }
            if overflowed[slot] {
                straddling.append((slot, threshold, found.needed))
            } else {
                var seen = 0
                for candidate in candidates[slot] where UInt32(candidate & 0xFFFF) == found.bucket {
                    seen += 1
                    if seen == found.needed {
                        cuts[index].lastTieIndex = Int(candidate &>> 16)
                        break
                    }
                }
            }
        }
        candidates = []
        guard !straddling.isEmpty else { return cuts }

        // Pass 3: the flat index of the last threshold-equal entry that is kept.
        var seen = [Int](repeating: 0, count: straddling.count)
        var lastIndex = [Int](repeating: -1, count: straddling.count)
        try source.forEachChunk { chunk in
            for stream in streams {
                let open = straddling.indices.filter {
                    requests[active[straddling[$0].slot]].stream == stream && seen[$0] < straddling[$0].ties
                }
                guard !open.isEmpty else { continue }
                let streamKeys = keys.keys(of: stream, in: chunk)
                for position in open {
                    let entry = straddling[position]
                    for j in 0..<chunk.elements.count where streamKeys[j] == entry.threshold {
                        seen[position] += 1
                        if seen[position] == entry.ties {
                            lastIndex[position] = chunk.elements.lowerBound + j
                            break
                        }
                    }
                }
            }
        }
        for (position, entry) in straddling.enumerated() {
            cuts[active[entry.slot]].lastTieIndex = lastIndex[position]
        }
        return cuts
    }

    /// Scanning buckets from the largest down, the bucket that holds the `rank`-th largest entry
    /// and how many entries of that bucket are needed to reach `rank`.
    static func locate(_ rank: Int, in histogram: ArraySlice<Int>) -> (bucket: UInt32, needed: Int) {
        var above = 0
        var bucket = histogram.count - 1
        while bucket > 0 {
            let count = histogram[histogram.startIndex + bucket]
            if above + count >= rank { break }
            above += count
            bucket -= 1
        }
        return (UInt32(bucket), rank - above)
    }
}
