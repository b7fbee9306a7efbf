import Foundation

/// `nuslerp`: spherical interpolation of exactly two models with per-model weights
/// (t = w₂/(w₁ + w₂)); with a base it interpolates their task vectors and adds the base back.
/// The vectors are the whole tensor (`nuslerp_flatten`, default), each row, or each column
/// (`nuslerp_row_wise`: along dimension 0), as in mergekit's nuslerp.py.
public struct NuSLERPMerge: MergeMethod {
    public let name = "nuslerp"
    public let summary = "Spherical interpolation of two models (or their task vectors) with per-model weights."
    public let reference: String? = "https://github.com/arcee-ai/mergekit/blob/main/docs/merge_methods.md#nuslerp"
    public let baseModel = BaseModelUse.optional
    /// Two models, plus the base when one is given.
    public let inputCount: (minimum: Int, maximum: Int?) = (2, 3)

    enum Keys {
        static let weight = ParameterKey<Double>(
            "weight", .perModel, .required, help: "Weight of this model; the second model's share is t = w₂/(w₁ + w₂).")
        static let flatten = ParameterKey<Bool>(
            "nuslerp_flatten", .global, .defaultValue(true),
            help: "Treat the whole tensor as one vector (false: one vector per row, or per column with nuslerp_row_wise).")
        static let rowWise = ParameterKey<Bool>(
            "nuslerp_row_wise", .global, .defaultValue(false),
            help: "Without flattening, interpolate vectors along dimension 0 (columns) instead of rows.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.weight, Keys.flatten, Keys.rowWise] }

    /// What one interpolated vector is.
    enum Vectors: Sendable {
        case wholeTensor
        /// Each column of a tensor with this many columns (along dimension 0).
        case columns(Int)
        /// Each row of this length (a 1-D tensor is its only row).
        case rows(Int)
    }

    public struct Configuration: Sendable {
        /// The two models, in order.
        let models: [Int]
        /// The second model's share.
        let t: Double
        let origin: Int?
        let vectors: Vectors
    }

    /// Norms are clamped to at least this before normalising (mergekit's _normalize).
    static let normFloor = 1e-7
    /// |sin Ω| below this counts as colinear: lerp instead.
    static let colinearSine = 1e-8

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let models = job.modelIndices
        guard models.count == 2 else {
            throw MethodProblem(job.baseIndex == nil
                ? "nuslerp merges exactly 2 models; \(models.count) are given"
                : "nuslerp merges exactly 2 models besides the base (the base cannot be one of them); \(models.count) are given")
        }
        let (w0, w1) = (try job.value(Keys.weight, of: models[0]), try job.value(Keys.weight, of: models[1]))
        let t = abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1)
        let vectors: Vectors
        if try job.value(Keys.flatten) || job.shape.count == 0 {
            vectors = .wholeTensor
        } else if try job.value(Keys.rowWise), job.shape.count > 1 {
            vectors = .columns(max(job.elementCount / max(job.shape[0], 1), 1))
        } else {
            // Per row (dimension −1), or a 1-D tensor along dimension 0, which is its only row.
            vectors = .rows(job.rowLength)
        }
        return Configuration(models: models, t: t, origin: job.baseIndex, vectors: vectors)
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let (models, t, origin) = (configuration.models, configuration.t, configuration.origin)
        switch configuration.vectors {
        case .wholeTensor:
            let gram = try GramMatrix.measure(models, origin: origin, source: source)
            let (c0, c1) = Self.coefficients(t: t, g00: gram[0, 0], g11: gram[1, 1], g01: gram[0, 1])
            return VectorCombinationKernel(origin: origin, inputs: models, coefficients: [c0, c1])
        case .columns(let columns):
            let products = try Self.columnProducts(models, origin: origin, columns: columns, source: source)
            let coefficients = (0..<columns).map { c in
                Self.coefficients(t: t, g00: products[3 * c], g11: products[3 * c + 1], g01: products[3 * c + 2])
            }
            return ColumnKernel(origin: origin, models: models, columns: columns, coefficients: coefficients)
        case .rows(let rowLength):
            return RowKernel(origin: origin, models: models, rowLength: rowLength, t: t)
        }
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
