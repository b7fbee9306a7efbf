/// Sorts DELLA's row keys (|τ| bit pattern << 32 | column) without comparisons: a stable LSD
/// radix sort on the 31 magnitude bits, one byte per pass. The keys arrive in column order and
/// every pass is stable, so equal magnitudes stay in column order: the result is exactly
/// `keys.sort()` (a comparator sort cost ~55 ns per element; this is a few).
///
/// Only bytes that differ between the row's keys get a pass (bf16 deltas leave the lowest one
/// zero). Each pass handles the row as four runs at once, each with its own bucket counters
/// (run k's entries of a digit go after runs 0..<k's, so the pass stays stable): a single run
/// serialises on the counter of a digit that repeats, since each increment must wait for the
/// previous store, and the magnitudes' exponent byte takes only a few values in a row.
enum MagnitudeRadixSort {
    static let runs = 4
    /// Up to this many keys, clearing and summing 256 counters per pass costs more than
    /// comparing the keys.
    static let shortRow = 32

    /// Sorts `keys` in place; `spare` holds at least `keys.count` keys and `counts` 4 × 256.
    static func sort(
        _ keys: UnsafeMutableBufferPointer<UInt64>, spare: UnsafeMutableBufferPointer<UInt64>,
        counts: UnsafeMutableBufferPointer<Int>
    ) {
        let n = keys.count
        guard n > 1 else { return }
        precondition(spare.count >= n && counts.count >= runs * 256, "radix scratch too small")
        if n <= shortRow {
            insertionSort(keys)
            return
        }
        var anySet: UInt64 = 0
        var allSet: UInt64 = ~0
        for i in 0..<n {
            anySet |= keys[i]
            allSet &= keys[i]
        }
        let varying = (anySet ^ allSet) &>> 32
        var source = keys.baseAddress!
        var target = spare.baseAddress!
        for pass in 0..<4 where (varying &>> UInt64(8 * pass)) & 0xFF != 0 {
            scatter(source, into: target, count: n, shift: UInt64(32 + 8 * pass), counts: counts.baseAddress!)
            swap(&source, &target)
        }
        if source != keys.baseAddress! {
            keys.baseAddress!.update(from: source, count: n)
        }
    }

    /// The keys are distinct (the column is part of each), so this is the sorted order.
    private static func insertionSort(_ keys: UnsafeMutableBufferPointer<UInt64>) {
        for i in 1..<keys.count {
            let key = keys[i]
            var j = i
            while j > 0, keys[j - 1] > key {
                keys[j] = keys[j - 1]
                j -= 1
            }
            keys[j] = key
        }
    }

    /// One stable counting pass on the byte at `shift`: runs 0, 1, 2 hold `n / 4` keys each,
    /// run 3 the rest (all of them when n < 4).
    @inline(__always)
    private static func scatter(
        _ source: UnsafeMutablePointer<UInt64>, into target: UnsafeMutablePointer<UInt64>, count n: Int, shift: UInt64,
        counts: UnsafeMutablePointer<Int>
    ) {
        let length = n / runs
        let (s0, s1, s2, s3) = (source, source + length, source + 2 * length, source + 3 * length)
        let (c0, c1, c2, c3) = (counts, counts + 256, counts + 512, counts + 768)
        let tail = n - 3 * length
        @inline(__always) func digit(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &>> shift) & 0xFF) }
        for i in 0..<(runs * 256) { counts[i] = 0 }
        for i in 0..<length {
            c0[digit(s0[i])] &+= 1
            c1[digit(s1[i])] &+= 1
            c2[digit(s2[i])] &+= 1
            c3[digit(s3[i])] &+= 1
        }
        for i in length..<tail { c3[digit(s3[i])] &+= 1 }
        var offset = 0
        for d in 0..<256 {
            let (n0, n1, n2, n3) = (c0[d], c1[d], c2[d], c3[d])
            c0[d] = offset
            c1[d] = offset &+ n0
            c2[d] = offset &+ n0 &+ n1
            c3[d] = offset &+ n0 &+ n1 &+ n2
            offset &+= n0 &+ n1 &+ n2 &+ n3
        }
        // Read each slot once: storing the key first would force a reload of the counter.
        for i in 0..<length {
            let (k0, k1, k2, k3) = (s0[i], s1[i], s2[i], s3[i])
            let (d0, d1, d2, d3) = (digit(k0), digit(k1), digit(k2), digit(k3))
            let p0 = c0[d0]
            c0[d0] = p0 &+ 1
            target[p0] = k0
            let p1 = c1[d1]
            c1[d1] = p1 &+ 1
            target[p1] = k1
            let p2 = c2[d2]
            c2[d2] = p2 &+ 1
            target[p2] = k2
            let p3 = c3[d3]
            c3[d3] = p3 &+ 1
            target[p3] = k3
        }
        for i in length..<tail {
            let key = s3[i]
            let d = digit(key)
            let position = c3[d]
            c3[d] = position &+ 1
            target[position] = key
        }
    }
}
