/// Per-call buffers for DELLA's row ranking, sized for one row: the row's keys and the radix
/// sort's spare copy and counters, plus per-column masks and the per-rank keep bounds and factors, which depend on
/// the row length and the model's parameters only, so they are computed once per chunk instead
/// of per element (one division per rank, not per entry).
final class RowRankingScratch {
    let keys: UnsafeMutableBufferPointer<UInt64>
    let spare: UnsafeMutableBufferPointer<UInt64>
    let counts: UnsafeMutableBufferPointer<Int>
    /// Entry of rank r is kept iff its 53-bit draw is below `bounds[r]` (see BernoulliThreshold).
    let bounds: UnsafeMutableBufferPointer<UInt64>
    /// What a kept entry of rank r is multiplied by.
    let factors: UnsafeMutableBufferPointer<Double>
    /// Per column: the entry's draw, then its keep mask.
    let masks: UnsafeMutableBufferPointer<UInt64>

    init(rowLength: Int) {
        let n = max(rowLength, 1)
        keys = .allocate(capacity: n)
        spare = .allocate(capacity: n)
        counts = .allocate(capacity: 4 * 256)
        bounds = .allocate(capacity: n)
        factors = .allocate(capacity: n)
        masks = .allocate(capacity: n)
    }

    deinit {
        keys.deallocate()
        spare.deallocate()
        counts.deallocate()
        bounds.deallocate()
        factors.deallocate()
        masks.deallocate()
    }
}
