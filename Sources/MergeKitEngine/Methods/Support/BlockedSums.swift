/// Several sums over a tensor's elements, accumulated in Double in fixed blocks of flat
/// indices: a block's partial sums join the totals when the block ends. Blocks depend on the
/// flat index alone, so the totals have the same bits however the tensor is chunked, and long
/// sums lose less precision than one running total.
struct BlockedSums {
    static let blockSize = 4096

    private var totals: [Double]
    private var partials: [Double]

    init(count: Int) {
        totals = [Double](repeating: 0, count: count)
        partials = totals
    }

    /// Splits one chunk at block boundaries; `body` adds the piece `local` (indices into the
    /// chunk's buffers) to the partial sums it is given.
    mutating func add(_ elements: Range<Int>, _ body: (Range<Int>, inout [Double]) -> Void) {
        var start = elements.lowerBound
        while start < elements.upperBound {
            let blockEnd = (start / Self.blockSize + 1) * Self.blockSize
            let end = min(blockEnd, elements.upperBound)
            body((start - elements.lowerBound)..<(end - elements.lowerBound), &partials)
            if end == blockEnd { flush() }
            start = end
        }
    }

    /// The totals, once every chunk has been added.
    mutating func finish() -> [Double] {
        flush()
        return totals
    }

    private mutating func flush() {
        for k in totals.indices {
            totals[k] += partials[k]
            partials[k] = 0
        }
    }
}
