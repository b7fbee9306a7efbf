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
        let sparse = UnsafeMutableBufferPointer<Double>.allocate(capacity: sparsifiers.count * count)
        defer { sparse.deallocate() }
        let scratchLength = sparsifiers.contains(where: \.needsRowScratch) ? min(max(rowLength, 1), count) : 0
        let rowKeys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(scratchLength, 1))
        defer { rowKeys.deallocate() }
        for (k, sparsifier) in sparsifiers.enumerated() {
            sparsifier.write(
                chunk.inputs[sparsifier.input], base: base, elements: chunk.elements, rowLength: rowLength,
                into: UnsafeMutableBufferPointer(rebasing: sparse[(k * count)..<((k + 1) * count)]), rowKeys: rowKeys)
        }
        if let consensus {
            combineAgreeing(sparse, count: count, consensus: consensus, base: base, into: output)
        } else {
            let scale = lambda / fixedDivisor
            for j in 0..<count {
                var merged = 0.0
                for k in weights.indices { merged += weights[k] * sparse[k * count + j] }
                output[j] = Float(Double(base[j]) + scale * merged)
            }
        }
    }

    private func combineAgreeing(
        _ sparse: UnsafeMutableBufferPointer<Double>, count: Int, consensus: SignConsensus,
        base: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) {
        let weighted = consensus.voters == .weighted
        let bySum = consensus.election == .sum
        let byWeight = consensus.divisor == .weight
        for j in 0..<count {
            var tally = 0.0
            for k in weights.indices {
                let vote = weighted ? weights[k] * sparse[k * count + j] : sparse[k * count + j]
                tally += bySum ? vote : (vote > 0 ? 1 : (vote < 0 ? -1 : 0))
            }
            let positive = tally >= 0
            var merged = 0.0
            var divisor = 0.0
            for k in weights.indices {
                let value = sparse[k * count + j]
                let vote = weighted ? weights[k] * value : value
                guard positive ? vote > 0 : vote < 0 else { continue }
                merged += weights[k] * value
                divisor += byWeight ? weights[k] : 1
            }
            if normalize, divisor != 0 { merged /= divisor }
            output[j] = Float(Double(base[j]) + lambda * merged)
        }
    }
}
