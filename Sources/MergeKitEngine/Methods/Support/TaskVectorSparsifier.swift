import MergeKitRandom

/// How one model's task vector τ = x − base is sparsified and rescaled, fully resolved for one
/// tensor: the map pass and the L1 reduction pass both call `write`, so they cannot disagree.
struct TaskVectorSparsifier: Sendable {
    enum Mask: Sendable {
        /// Keep every entry (density ≥ 1, or no sparsification).
        case all
        /// Keep nothing (density 0).
        case nothing
        /// Keep the entries in a window of the |τ| ranking (TIES top-k, breadcrumbs).
        case magnitude(MagnitudeWindow)
        /// DARE: keep entry j iff u_j < p, u from the model's random stream.
        case bernoulli(keepProbability: Double, stream: TensorSeed)
        /// DELLA: per row, keep probability density − ε + 2ε·(r − 1)/(n − 1) for the entry of
        /// ascending |τ| rank r (lower index first on ties); density on one-element rows.
        case rankedBernoulli(density: Double, epsilon: Double, stream: TensorSeed)
    }

    /// The model's position in `InputChunk.inputs`.
    var input: Int
    var mask: Mask
    /// Factor applied to kept entries: 1/density, the L1 ratio, or 1.
    var scale: Double = 1
    /// DELLA's inverse-density rescale: divide each kept entry by its own keep probability.
    var dividesByKeepProbability = false

    var needsRowScratch: Bool {
        if case .rankedBernoulli = mask { return true }
        return false
    }

    /// Without any rescaling: the mask alone, as the L1 rescale measures it.
    var unscaled: TaskVectorSparsifier {
        var copy = self
        copy.scale = 1
        copy.dividesByKeepProbability = false
        return copy
    }

    /// Writes the sparsified τ of `values` − `base` into `output` (all `elements.count` long).
    /// `rows` is scratch for at least one row when `needsRowScratch`.
    func write(
        _ values: UnsafeBufferPointer<Float>, base: UnsafeBufferPointer<Float>, elements: Range<Int>, rowLength: Int,
        into output: UnsafeMutableBufferPointer<Double>, rows: RowRankingScratch
    ) {
        let count = output.count
        let first = elements.lowerBound
        switch mask {
        case .all:
            for j in 0..<count { output[j] = Double(values[j] - base[j]) * scale }
        case .nothing:
            for j in 0..<count { output[j] = 0 }
        case .magnitude(let window):
            // Branch-free: about half the entries are kept, in no pattern a predictor can learn.
            for j in 0..<count {
                let tau = values[j] - base[j]
                let keep = window.keepMask(magnitudeBits: tau.magnitude.bitPattern, at: first + j)
                output[j] = Double(bitPattern: (Double(tau) * scale).bitPattern & keep)
            }
        case .bernoulli(let keepProbability, let stream):
            let threshold = BernoulliThreshold(probability: keepProbability, stream: stream)
            var counter = threshold.counter(at: first)
            for j in 0..<count {
                let tau = Double(values[j] - base[j]) * scale
                output[j] = Double(bitPattern: tau.bitPattern & threshold.keepMask(counter: counter))
                counter &+= SplitMix64.increment
            }
        case .rankedBernoulli(let density, let epsilon, let stream):
            var rowStart = 0
            var tableLength = -1
            while rowStart < count {
                let rowEnd = min(rowStart + max(rowLength, 1), count)
                if rowEnd - rowStart != tableLength {
                    tableLength = rowEnd - rowStart
                    fillRankTable(length: tableLength, density: density, epsilon: epsilon, into: rows)
                }
                writeRankedRow(rowStart..<rowEnd, values: values, base: base, first: first, stream: stream, into: output, rows: rows)
                rowStart = rowEnd
            }
        }
    }

    /// Keep bound and factor of each rank of an n-entry row: probability density − ε + 2ε·(r − 1)/(n − 1),
    /// kept entries × scale / probability (or × scale), computed exactly as per entry before.
    private func fillRankTable(length n: Int, density: Double, epsilon: Double, into rows: RowRankingScratch) {
        let step = n > 1 ? 2 * epsilon / Double(n - 1) : 0
        let lowest = n > 1 ? density - epsilon : density
        for rank in 0..<n {
            let keepProbability = lowest + step * Double(rank)
            rows.bounds[rank] = BernoulliThreshold.bound(probability: keepProbability)
            rows.factors[rank] = dividesByKeepProbability && keepProbability > 0 ? scale / keepProbability : scale
        }
    }

    /// One DELLA row: rank |τ| ascending by sorting (bits << 32 | column) keys, which orders
    /// equal magnitudes by column, then draw each entry with its rank's keep probability.
    private func writeRankedRow(
        _ row: Range<Int>, values: UnsafeBufferPointer<Float>, base: UnsafeBufferPointer<Float>, first: Int,
        stream: TensorSeed, into output: UnsafeMutableBufferPointer<Double>, rows: RowRankingScratch
    ) {
        let n = row.count
        let keys = UnsafeMutableBufferPointer(rebasing: rows.keys[0..<n])
        for column in 0..<n {
            let j = row.lowerBound + column
            keys[column] = UInt64((values[j] - base[j]).magnitude.bitPattern) &<< 32 | UInt64(column)
        }
        MagnitudeRadixSort.sort(keys, spare: rows.spare, counts: rows.counts)
        // Draws in column order (the counter steps by the increment), then each entry's keep
        // mask from its rank's bound, then the masking in its own loop: masking where the value
        // is loaded lets the compiler turn the select back into an unpredictable branch.
        let masks = rows.masks.baseAddress!
        var counter = BernoulliThreshold(probability: 0, stream: stream).counter(at: first + row.lowerBound)
        for column in 0..<n {
            masks[column] = BernoulliThreshold.draw(counter: counter)
            counter &+= SplitMix64.increment
        }
        for rank in 0..<n {
            let column = Int(truncatingIfNeeded: keys[rank] & 0xFFFF_FFFF)
            let j = row.lowerBound + column
            masks[column] = BernoulliThreshold.keepMask(draw: masks[column], bound: rows.bounds[rank])
            output[j] = Double(values[j] - base[j]) * rows.factors[rank]
        }
        for column in 0..<n {
            let j = row.lowerBound + column
            output[j] = Double(bitPattern: output[j].bitPattern & masks[column])
        }
    }
}
