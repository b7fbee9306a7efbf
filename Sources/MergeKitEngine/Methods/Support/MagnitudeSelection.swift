/// Exact top-q selection by |x − base| without holding |τ| in memory: radix selection over the
/// Float bit patterns of |τ| in streaming passes. Pass 1 histograms the high 16 bits and finds
/// the bucket holding the q-th largest; pass 2 histograms the low 16 bits inside that bucket and
/// gives the exact threshold, and keeps that bucket's entries (up to `candidateLimit`, plus at
/// most one block) to find the flat index of the last threshold-equal entry kept (lowest indices
/// first) when such ties straddle the cut; pass 3 finds it by scanning only if they did not fit.
/// So the map pass decides every entry on its own. Every pass reads the chunks in order, so the
/// result does not depend on chunk size.
enum MagnitudeSelection {
    struct Request: Sendable, Equatable {
        /// The input whose task vector (input − base) is ranked.
        var input: Int
        /// How many of the largest entries the cut holds (0 ... elementCount).
        var count: Int
    }

    static let bucketCount = 1 << 16
    /// How many bucket entries pass 2 may keep in all (8 bytes each) to spare pass 3.
    static let candidateLimit = 1 << 22

    static func cuts(
        for requests: [Request], baseInput: Int, elementCount: Int, source: any ChunkSource
    ) throws -> [MagnitudeCut] {
        var cuts = requests.map { request -> MagnitudeCut in
            request.count <= 0 ? .nothing : .everything
        }
        let active = requests.indices.filter { requests[$0].count > 0 && requests[$0].count < elementCount }
        guard !active.isEmpty else { return cuts }

        // Pass 1: high halves, one histogram per distinct input.
        var inputs: [Int] = []
        for index in active where !inputs.contains(requests[index].input) { inputs.append(requests[index].input) }
        var high = [Int](repeating: 0, count: inputs.count * bucketCount)
        try high.withUnsafeMutableBufferPointer { histogram in
            try source.forEachChunk { chunk in
                let base = chunk.inputs[baseInput]
                for (slot, input) in inputs.enumerated() {
                    let values = chunk.inputs[input]
                    let offset = slot * bucketCount
                    for j in 0..<base.count {
                        histogram[offset + Int(magnitudeBits(values[j], base[j]) &>> 16)] += 1
                    }
                }
            }
        }
        var buckets: [(bucket: UInt32, needed: Int)] = []
        for index in active {
            let request = requests[index]
            let offset = (inputs.firstIndex(of: request.input) ?? 0) * bucketCount
            buckets.append(locate(request.count, in: high[offset..<(offset + bucketCount)]))
        }

        // Pass 2: low halves inside each request's bucket. The bucket's entries are also kept
        // (flat index << 16 | low half, in index order) while they fit `candidateLimit`, so the
        // last kept threshold-equal entry can then be found without another pass.
        var low = [Int](repeating: 0, count: active.count * bucketCount)
        let limit = candidateLimit / active.count
        var candidates = [[UInt64]](repeating: [], count: active.count)
        var overflowed = [Bool](repeating: false, count: active.count)
        try low.withUnsafeMutableBufferPointer { histogram in
            try source.forEachChunk { chunk in
                let base = chunk.inputs[baseInput]
                let first = chunk.elements.lowerBound
                for (slot, index) in active.enumerated() {
                    let values = chunk.inputs[requests[index].input]
                    let bucket = buckets[slot].bucket
                    let offset = slot * bucketCount
                    if overflowed[slot] {
                        for j in 0..<base.count {
                            let bits = magnitudeBits(values[j], base[j])
                            if bits &>> 16 == bucket { histogram[offset + Int(bits & 0xFFFF)] += 1 }
                        }
                        continue
                    }
                    var kept = candidates[slot]
                    candidates[slot] = []
                    for j in 0..<base.count {
                        let bits = magnitudeBits(values[j], base[j])
                        if bits &>> 16 == bucket {
                            histogram[offset + Int(bits & 0xFFFF)] += 1
                            kept.append(UInt64(first + j) &<< 16 | UInt64(bits & 0xFFFF))
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
        var straddling: [(slot: Int, threshold: UInt32, ties: Int)] = []
        for (slot, index) in active.enumerated() {
            let offset = slot * bucketCount
            let found = locate(buckets[slot].needed, in: low[offset..<(offset + bucketCount)])
            let threshold = buckets[slot].bucket &<< 16 | found.bucket
            let tiesAtThreshold = low[offset + Int(found.bucket)]
            cuts[index] = MagnitudeCut(threshold: threshold, lastTieIndex: .max)
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
            let base = chunk.inputs[baseInput]
            for (position, entry) in straddling.enumerated() where seen[position] < entry.ties {
                let values = chunk.inputs[requests[active[entry.slot]].input]
                for j in 0..<base.count where magnitudeBits(values[j], base[j]) == entry.threshold {
                    seen[position] += 1
                    if seen[position] == entry.ties {
                        lastIndex[position] = chunk.elements.lowerBound + j
                        break
                    }
                }
            }
        }
        for (position, entry) in straddling.enumerated() {
            cuts[active[entry.slot]].lastTieIndex = lastIndex[position]
        }
        return cuts
    }

    /// The bit pattern of |x − base|, computed in Float as torch does, so magnitudes order
    /// exactly like mergekit's.
    @inline(__always)
    static func magnitudeBits(_ value: Float, _ base: Float) -> UInt32 {
        (value - base).magnitude.bitPattern
    }

    /// Scanning buckets from the largest down, the bucket that holds the `rank`-th largest entry
    /// and how many entries of that bucket are needed to reach `rank`. (Shared with
    /// `DerivedValueSelection`.)
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
