/// The map pass of the task-arithmetic family: per entry, out = base + λ·merged, where merged
/// is Σ wᵢ·τ̃ᵢ over the models (only those agreeing with the elected sign under consensus),
/// divided by the weights (or the count) when `normalize`. Accumulates in Double and rounds once.
struct TaskVectorMergeKernel: MergeKernel {
    var baseInput: Int
    var rowLength: Int
    var sparsifiers: [TaskVectorSparsifier]
    var weights: [Double]
    var consensus: SignConsensus?
    var normalize: Bool
    var lambda: Double

    /// The base as it is: what a task-vector method gives a tensor no model besides the base
    /// has (mergekit returns the base), when its dtype must be converted and so is not copied.
    static func base(_ baseInput: Int) -> TaskVectorMergeKernel {
        TaskVectorMergeKernel(baseInput: baseInput, rowLength: 1, sparsifiers: [], weights: [], consensus: nil, normalize: false, lambda: 1)
    }

    /// Entries merged at a time: every model's sparsified τ of one block stays in L1 cache.
    static let blockElements = 1024

    /// Without consensus, the normalize divisor is the same for every entry: Σ wᵢ (1 when ~0).
    private var fixedDivisor: Double {
        let total = weights.reduce(0, +)
        return normalize && abs(total) >= 1e-8 ? total : 1
    }

    func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
        let count = output.count
        let base = chunk.inputs[baseInput]
        guard !sparsifiers.isEmpty else {
            for j in 0..<count { output[j] = base[j] }
            return
        }
        // DELLA ranks whole rows, so it sparsifies the chunk (whole rows) at once.
        let needsRows = sparsifiers.contains(where: \.needsRowScratch)
        let block = needsRows ? count : min(count, Self.blockElements)
        let sparse = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(sparsifiers.count * block, 1))
        defer { sparse.deallocate() }
        let rows = RowRankingScratch(rowLength: needsRows ? min(rowLength, count) : 1)
        weights.withUnsafeBufferPointer { weights in
            var start = 0
            while start < count {
                let n = min(block, count - start)
                let piece = start..<(start + n)
                let pieceBase = UnsafeBufferPointer(rebasing: base[piece])
                let elements = (chunk.elements.lowerBound + start)..<(chunk.elements.lowerBound + start + n)
                for (k, sparsifier) in sparsifiers.enumerated() {
                    sparsifier.write(
                        UnsafeBufferPointer(rebasing: chunk.inputs[sparsifier.input][piece]), base: pieceBase,
                        elements: elements, rowLength: rowLength,
                        into: UnsafeMutableBufferPointer(rebasing: sparse[(k * n)..<((k + 1) * n)]), rows: rows)
                }
                let pieceOutput = UnsafeMutableBufferPointer(rebasing: output[piece])
                if let consensus {
                    combineAgreeing(sparse, count: n, weights: weights, consensus: consensus, base: pieceBase, into: pieceOutput)
                } else {
                    combineAll(sparse, count: n, weights: weights, base: pieceBase, into: pieceOutput)
                }
                start += n
            }
        }
    }

    /// base + λ/divisor · Σₖ wₖ·τ̃ₖ, summed in model order (the first model's row is overwritten
    /// in place with the running sum, which vectorises).
    private func combineAll(
        _ sparse: UnsafeMutableBufferPointer<Double>, count: Int, weights: UnsafeBufferPointer<Double>,
        base: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) {
        let scale = lambda / fixedDivisor
        let sum = sparse.baseAddress!
        let first = weights[0]
        for j in 0..<count { sum[j] = 0.0 + first * sum[j] }
        for k in 1..<max(weights.count, 1) {
            let weight = weights[k]
            let values = sum + k * count
            for j in 0..<count { sum[j] += weight * values[j] }
        }
        for j in 0..<count { output[j] = Float(Double(base[j]) + scale * sum[j]) }
    }

    /// Sign election and the agreeing sum, one model at a time over the block with selects
    /// instead of branches (signs are random per entry), so the loops vectorise. Sums run in
    /// model order from +0.0 as before; adding +0.0 for a disagreeing model changes no bits.
    private func combineAgreeing(
        _ sparse: UnsafeMutableBufferPointer<Double>, count: Int, weights: UnsafeBufferPointer<Double>,
        consensus: SignConsensus, base: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) {
        let weighted = consensus.voters == .weighted
        let bySum = consensus.election == .sum
        let byWeight = consensus.divisor == .weight
        let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: 3 * max(count, 1))
        defer { scratch.deallocate() }
        let tally = scratch.baseAddress!
        let merged = tally + count
        let divisor = merged + count
        for j in 0..<count {
            tally[j] = 0
            merged[j] = 0
            divisor[j] = 0
        }
        for k in 0..<weights.count {
            let values = sparse.baseAddress! + k * count
            let weight = weighted ? weights[k] : 1
            if bySum {
                for j in 0..<count { tally[j] += weight * values[j] }
            } else {
                for j in 0..<count {
                    let vote = weight * values[j]
                    tally[j] += vote > 0 ? 1 : (vote < 0 ? -1 : 0)
                }
            }
        }
        for k in 0..<weights.count {
            let values = sparse.baseAddress! + k * count
            let weight = weights[k]
            let voteWeight = weighted ? weight : 1
            let share = byWeight ? weight : 1
            for j in 0..<count {
                let vote = voteWeight * values[j]
                let agrees = tally[j] >= 0 ? vote > 0 : -vote > 0
                merged[j] += agrees ? weight * values[j] : 0
                divisor[j] += agrees ? share : 0
            }
        }
        // Dividing by 1 where no model agrees leaves merged's bits unchanged and keeps the
        // loop free of an unpredictable branch.
        if normalize {
            for j in 0..<count {
                let total = merged[j] / (divisor[j] != 0 ? divisor[j] : 1)
                output[j] = Float(Double(base[j]) + lambda * total)
            }
        } else {
            for j in 0..<count { output[j] = Float(Double(base[j]) + lambda * merged[j]) }
        }
    }
}
