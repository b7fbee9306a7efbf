import MergeKitLinearAlgebra

/// A module's LoRA pair from the truncated SVD U Σ Vᵀ of its delta, as mergekit forms it:
/// with `distributeScale`, A = √Σ Vᵀ and B = U √Σ; otherwise A = Σ Vᵀ and B = U. Either way
/// B·A = U Σ Vᵀ. Singular values ≤ `epsilon` (when positive) are dropped.
struct LoRAFactors {
    /// rank × columns, row-major.
    var a: [Float]
    /// rows × rank, row-major.
    var b: [Float]
    var rank: Int

    init(_ svd: TruncatedSVD, distributeScale: Bool, epsilon: Double) {
        let kept = epsilon > 0 ? svd.singularValues.prefix { $0 > epsilon }.count : svd.rank
        let full = svd.rank
        let m = svd.rowCount
        let n = svd.columnCount
        var a = [Float](repeating: 0, count: kept * n)
        var b = [Float](repeating: 0, count: m * kept)
        for k in 0..<kept {
            let sigma = svd.singularValues[k]
            let scaleA = distributeScale ? sigma.squareRoot() : sigma
            let scaleB = distributeScale ? sigma.squareRoot() : 1
            for j in 0..<n { a[k * n + j] = Float(scaleA * svd.right[j * full + k]) }
            for i in 0..<m { b[i * kept + k] = Float(svd.left[i * full + k] * scaleB) }
        }
        self.a = a
        self.b = b
        rank = kept
    }
}
