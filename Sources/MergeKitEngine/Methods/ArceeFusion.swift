import Foundation

/// `arcee_fusion`: takes the other model's value only where its change matters most (mergekit's
/// arcee_fusion.py): importance = |x − base| × KL(softmax(x row) ‖ softmax(base row)), and
/// an entry is taken when its importance is at least median + 1.5·IQR of the tensor's
/// importances. mergekit estimates the quantiles from 1,000,000 randomly sampled entries on
/// tensors larger than that, so its output depends on its RNG there; ours are the exact
/// quantiles, by radix selection, so the output is deterministic at any size.
public struct ArceeFusionMerge: MergeMethod {
    public let name = "arcee_fusion"
    public let summary = "Takes the other model's entries whose KL-weighted change is an outlier (above median + 1.5·IQR)."
    public let reference: String? = "https://arcee.ai"
    public let parameters: [any ParameterDeclaration] = []
    public let baseModel = BaseModelUse.required
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 2)

    /// Added to both softmax distributions before the KL divergence (mergekit's eps).
    static let probabilityFloor = 1e-8

    public init() {}

    public struct Configuration: Sendable {
        let base: Int
        let other: Int
        let rowLength: Int
        let elementCount: Int
    }

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let base = try job.requiredBase()
        return Configuration(base: base, other: base == 0 ? 1 : 0, rowLength: job.rowLength, elementCount: job.elementCount)
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let (base, other, rowLength, n) = (configuration.base, configuration.other, configuration.rowLength, configuration.elementCount)
        guard n > 0 else { return Kernel(base: base, other: other, rowLength: rowLength, threshold: 0) }
        // mergekit's quantile of q is sorted[int(q·(n − 1))].
        let ranks = [0.5, 0.25, 0.75].map { Int((Double(n - 1) * $0).rounded(.down)) }
        let importance = DerivedValueKeys { chunk, values in
            Self.importance(chunk, base: base, other: other, rowLength: rowLength, into: values)
        }
        let quantiles = try importance.values(atRanks: ranks, elementCount: n, source: source)
        let (median, lowerQuartile, upperQuartile) = (quantiles[0], quantiles[1], quantiles[2])
        // In Float, as torch computes it.
        let threshold = median + 1.5 * (upperQuartile - lowerQuartile)
        return Kernel(base: base, other: other, rowLength: rowLength, threshold: threshold)
    }

    /// |x − base|·KL per entry, the KL divergence of the entry's row (rows are the last
    /// dimension; a 1-D tensor is one row). Chunks are whole rows, so this is chunk-local.
    static func importance(
        _ chunk: InputChunk, base: Int, other: Int, rowLength: Int, into values: UnsafeMutableBufferPointer<Float>
    ) {
        let b = chunk.inputs[base]
        let x = chunk.inputs[other]
        var start = 0
        while start < values.count {
            let row = start..<min(start + max(rowLength, 1), values.count)
            let divergence = klDivergence(x, b, row)
            for j in row { values[j] = (x[j] - b[j]).magnitude * Float(divergence) }
            start = row.upperBound
        }
    }

    /// Σ p·log(p/q) with p = softmax(x) + 1e-8, q = softmax(base) + 1e-8 over one row.
    static func klDivergence(_ x: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, _ row: Range<Int>) -> Double {
        var xMax = -Double.infinity
        var bMax = -Double.infinity
        for j in row {
            xMax = max(xMax, Double(x[j]))
            bMax = max(bMax, Double(b[j]))
        }
        var xSum = 0.0
        var bSum = 0.0
        for j in row {
            xSum += exp(Double(x[j]) - xMax)
            bSum += exp(Double(b[j]) - bMax)
        }
        var divergence = 0.0
        for j in row {
            let p = exp(Double(x[j]) - xMax) / xSum + probabilityFloor
            let q = exp(Double(b[j]) - bMax) / bSum + probabilityFloor
            divergence += p * log(p / q)
        }
        return divergence
    }

    struct Kernel: MergeKernel {
        var base: Int
        var other: Int
        var rowLength: Int
        var threshold: Float

        func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
            ArceeFusionMerge.importance(chunk, base: base, other: other, rowLength: rowLength, into: output)
            let b = chunk.inputs[base]
            let x = chunk.inputs[other]
            for j in 0..<output.count {
                output[j] = output[j] >= threshold ? x[j] : b[j]
            }
        }
    }
}
