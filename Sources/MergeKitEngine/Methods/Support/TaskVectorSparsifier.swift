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
    /// `rowKeys` is scratch of at least one row's length when `needsRowScratch`.
    func write(
        _ values: UnsafeBufferPointer<Float>, base: UnsafeBufferPointer<Float>, elements: Range<Int>, rowLength: Int,
        into output: UnsafeMutableBufferPointer<Double>, rowKeys: UnsafeMutableBufferPointer<UInt64>
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
            for j in 0..<count {
                let tau = Double(values[j] - base[j]) * scale
                output[j] = threshold.keeps(first + j) ? tau : 0
            }
        case .rankedBernoulli(let density, let epsilon, let stream):
            var rowStart = 0
            while rowStart < count {
                let rowEnd = min(rowStart + max(rowLength, 1), count)
                writeRankedRow(
                    rowStart..<rowEnd, values: values, base: base, first: first, density: density, epsilon: epsilon,
                    stream: stream, into: output, keys: rowKeys)
                rowStart = rowEnd
            }
        }
    }

    /// One DELLA row: rank |τ| ascending by sorting (bits << 32 | column) keys, which orders
    /// equal magnitudes by column, then draw each entry with its rank's keep probability.
    private func writeRankedRow(
        _ row: Range<Int>, values: UnsafeBufferPointer<Float>, base: UnsafeBufferPointer<Float>, first: Int,
        density: Double, epsilon: Double, stream: TensorSeed,
        into output: UnsafeMutableBufferPointer<Double>, keys: UnsafeMutableBufferPointer<UInt64>
    ) {
        let n = row.count
        var rowKeys = UnsafeMutableBufferPointer(rebasing: keys[0..<n])
        for column in 0..<n {
            let j = row.lowerBound + column
            rowKeys[column] = UInt64((values[j] - base[j]).magnitude.bitPattern) &<< 32 | UInt64(column)
        }
        rowKeys.sort()
        let step = n > 1 ? 2 * epsilon / Double(n - 1) : 0
        let lowest = n > 1 ? density - epsilon : density
        for rank in 0..<n {
            let j = row.lowerBound + Int(rowKeys[rank] & 0xFFFF_FFFF)
            let keepProbability = lowest + step * Double(rank)
            guard stream.uniform(at: first + j) < keepProbability else {
                output[j] = 0
                continue
            }
            let factor = dividesByKeepProbability && keepProbability > 0 ? scale / keepProbability : scale
            output[j] = Double(values[j] - base[j]) * factor
        }
    }
}
