/// Sorts DELLA's row keys (|τ| bit pattern << 32 | column) without comparisons: a stable LSD
/// radix sort on the 31 magnitude bits, one byte per pass. The keys arrive in column order and
/// every pass is stable, so equal magnitudes stay in column order: the result is exactly
/// `keys.sort()` (a comparator sort cost ~55 ns per element; this is a few).
enum MagnitudeRadixSort {
    /// Sorts `keys` in place; `spare` holds at least `keys.count` keys and `counts` 4 × 256.
    static func sort(
        _ keys: UnsafeMutableBufferPointer<UInt64>, spare: UnsafeMutableBufferPointer<UInt64>,
        counts: UnsafeMutableBufferPointer<Int>
    ) {
        let n = keys.count
        guard n > 1 else { return }
        precondition(spare.count >= n && counts.count >= 4 * 256, "radix scratch too small")
        let histogram = counts.baseAddress!
        for i in 0..<(4 * 256) { histogram[i] = 0 }
        // One pass counts all four digits.
        for i in 0..<n {
            let key = keys[i]
            histogram[Int(truncatingIfNeeded: (key &>> 32) & 0xFF)] &+= 1
            histogram[256 + Int(truncatingIfNeeded: (key &>> 40) & 0xFF)] &+= 1
            histogram[512 + Int(truncatingIfNeeded: (key &>> 48) & 0xFF)] &+= 1
            histogram[768 + Int(truncatingIfNeeded: (key &>> 56) & 0xFF)] &+= 1
        }
        var source = keys.baseAddress!
        var target = spare.baseAddress!
        // Bits 32..<63 of the keys, as four byte-wide digits.
        for pass in 0..<4 {
            let shift = UInt64(32 + 8 * pass)
            let digits = histogram + 256 * pass
            // A digit every key shares does not reorder anything: skip its pass.
            let first = Int(truncatingIfNeeded: (source[0] &>> shift) & 0xFF)
            if digits[first] == n { continue }
            var offset = 0
            for d in 0..<256 {
                let count = digits[d]
                digits[d] = offset
                offset &+= count
            }
            for i in 0..<n {
                let key = source[i]
                let d = Int(truncatingIfNeeded: (key &>> shift) & 0xFF)
                // Read the slot once: storing the key first would force a reload of digits[d].
                let position = digits[d]
                digits[d] = position &+ 1
                target[position] = key
            }
            swap(&source, &target)
        }
        if source != keys.baseAddress! {
            keys.baseAddress!.update(from: source, count: n)
        }
    }
}
