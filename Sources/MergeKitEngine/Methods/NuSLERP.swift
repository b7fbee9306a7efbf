import Foundation

/// `nuslerp`: spherical interpolation of exactly two models with per-model weights
/// (t = w₂/(w₁ + w₂)); with a base it interpolates their task vectors and adds the base back.
/// The vectors are the whole tensor (`nuslerp_flatten`, default), each row, or each column
/// (`nuslerp_row_wise`: along dimension 0), as in mergekit's nuslerp.py.
public struct NuSLERPMerge: MergeMethod {
    public let name = "nuslerp"
    public let summary = "Spherical interpolation of two models (or their task vectors) with per-model weights."
    public let reference: String? = "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#nuslerp"
    public let parameters: [ParameterSpec] = [
        ParameterSpec(Name.weight, .number(nil), .perModel, required: true,
                      help: "Weight of this model; the second model's share is t = w₂/(w₁ + w₂)."),
        ParameterSpec(Name.flatten, .bool, .global, default: .bool(true),
                      help: "Treat the whole tensor as one vector (false: one vector per row, or per column with nuslerp_row_wise)."),
        ParameterSpec(Name.rowWise, .bool, .global, default: .bool(false),
                      help: "Without flattening, interpolate vectors along dimension 0 (columns) instead of rows."),
    ]
    public let baseModel = BaseModelUse.optional
    /// Two models, plus the base when one is given.
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 3)

    enum Name {
        static let weight = "weight"
        static let flatten = "nuslerp_flatten"
        static let rowWise = "nuslerp_row_wise"
    }

    /// Norms are clamped to at least this before normalising (mergekit's _normalize).
    static let normFloor = 1e-7
    /// |sin Ω| below this counts as colinear: lerp instead.
    static let colinearSine = 1e-8

    public init() {}

    public func problem(with job: MergeJob) -> String? {
        let models = job.inputs.filter { !$0.isBase }
        guard models.count == 2 else {
            return job.baseIndex == nil
                ? "nuslerp merges exactly 2 models; \(models.count) are given"
                : "nuslerp merges exactly 2 models besides the base (the base cannot be one of them); \(models.count) are given"
        }
        return nil
    }

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        let models = job.inputs.indices.filter { !job.inputs[$0].isBase }
        let (w0, w1) = (job.inputs[models[0]].number(Name.weight), job.inputs[models[1]].number(Name.weight))
        let t = abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1)
        let origin = job.baseIndex
        if job.bool(Name.flatten) || job.shape.count == 0 {
            let gram = try GramMatrix.measure(models, origin: origin, source: source)
            let (c0, c1) = Self.coefficients(t: t, g00: gram[0, 0], g11: gram[1, 1], g01: gram[0, 1])
            return VectorCombinationKernel(origin: origin, inputs: models, coefficients: [c0, c1])
        }
        if job.bool(Name.rowWise), job.shape.count > 1 {
            let columns = max(job.elementCount / max(job.shape[0], 1), 1)
            let products = try Self.columnProducts(models, origin: origin, columns: columns, source: source)
            let coefficients = (0..<columns).map { c in
                Self.coefficients(t: t, g00: products[3 * c], g11: products[3 * c + 1], g01: products[3 * c + 2])
            }
            return ColumnKernel(origin: origin, models: models, columns: columns, coefficients: coefficients)
        }
        // Per row (dimension −1), or a 1-D tensor along dimension 0, which is its only row.
        return RowKernel(origin: origin, models: models, rowLength: job.rowLength, t: t)
    }

    /// The weights of v0 and v1, from ⟨v0,v0⟩, ⟨v1,v1⟩ and ⟨v0,v1⟩.
    static func coefficients(t: Double, g00: Double, g11: Double, g01: Double) -> (Double, Double) {
        let n0 = max(max(g00, 0).squareRoot(), normFloor)
        let n1 = max(max(g11, 0).squareRoot(), normFloor)
        let omega = acos(min(max(g01 / (n0 * n1), -1), 1))
        let sine = sin(omega)
        guard abs(sine) >= colinearSine else { return (1 - t, t) }
        return (sin((1 - t) * omega) / sine, sin(t * omega) / sine)
    }

    /// Per column c: ⟨v0,v0⟩, ⟨v1,v1⟩, ⟨v0,v1⟩ at 3c, 3c+1, 3c+2, summed over rows in order.
    static func columnProducts(_ models: [Int], origin: Int?, columns: Int, source: any ChunkSource) throws -> [Double] {
        var sums = [Double](repeating: 0, count: 3 * columns)
        try source.forEachChunk { chunk in
            let x = chunk.inputs[models[0]]
            let y = chunk.inputs[models[1]]
            let base = origin.map { chunk.inputs[$0] }
            for j in 0..<chunk.elements.count {
                let c = (chunk.elements.lowerBound + j) % columns
                let o = base.map { Double($0[j]) } ?? 0
                let a = Double(x[j]) - o
                let b = Double(y[j]) - o
                sums[3 * c] += a * a
                sums[3 * c + 1] += b * b
                sums[3 * c + 2] += a * b
            }
        }
        return sums
    }

    struct ColumnKernel: MergeKernel {
        var origin: Int?
        var models: [Int]
        var columns: Int
        var coefficients: [(Double, Double)]

        func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
            let x = chunk.inputs[models[0]]
            let y = chunk.inputs[models[1]]
            let base = origin.map { chunk.inputs[$0] }
            for j in 0..<output.count {
                let (c0, c1) = coefficients[(chunk.elements.lowerBound + j) % columns]
                let o = base.map { Double($0[j]) } ?? 0
                output[j] = Float(o + c0 * (Double(x[j]) - o) + c1 * (Double(y[j]) - o))
            }
        }
    }

    /// Row-local: each row's inner products are measured inside the chunk (chunks are whole rows).
    struct RowKernel: MergeKernel {
        var origin: Int?
        var models: [Int]
        var rowLength: Int
        var t: Double

        func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
            let x = chunk.inputs[models[0]]
            let y = chunk.inputs[models[1]]
            let base = origin.map { chunk.inputs[$0] }
            var start = 0
            while start < output.count {
                let row = start..<min(start + rowLength, output.count)
                var (g00, g11, g01) = (0.0, 0.0, 0.0)
                for j in row {
                    let o = base.map { Double($0[j]) } ?? 0
                    let a = Double(x[j]) - o
                    let b = Double(y[j]) - o
                    g00 += a * a
                    g11 += b * b
                    g01 += a * b
                }
                let (c0, c1) = NuSLERPMerge.coefficients(t: t, g00: g00, g11: g11, g01: g01)
                for j in row {
                    let o = base.map { Double($0[j]) } ?? 0
                    output[j] = Float(o + c0 * (Double(x[j]) - o) + c1 * (Double(y[j]) - o))
                }
                start = row.upperBound
            }
        }
    }
}
