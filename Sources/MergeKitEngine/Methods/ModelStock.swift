/// `model_stock`: Model Stock (Jang et al. 2024): moves from the base towards the average of the
/// fine-tunes by t = N·cosθ / (1 + (N − 1)·cosθ), cosθ the mean pairwise cosine of their task
/// vectors, over the whole tensor or per row (`filter_wise`), as in mergekit's model_stock.py.
public struct ModelStockMerge: MergeMethod {
    public let name = "model_stock"
    public let summary = "Interpolates from the base to the fine-tunes' average by a ratio set by their task vectors' angle."
    public let reference: String? = "https://arxiv.org/abs/2403.19522"
    public let baseModel = BaseModelUse.required
    /// The base and at least two fine-tunes (one has no angle).
    public let inputCount: (minimum: Int, maximum: Int?) = (3, nil)

    enum Keys {
        static let filterWise = ParameterKey<Bool>(
            "filter_wise", .global, .defaultValue(false),
            help: "Measure the angle per row (per output filter) instead of over the whole tensor.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.filterWise] }

    public struct Configuration: Sendable {
        let base: Int
        let models: [Int]
        /// Per row (`filter_wise`): the row length; nil: the whole tensor.
        let rowLength: Int?
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        Configuration(
            base: try job.requiredBase(), models: job.modelIndices,
            rowLength: try job.value(Keys.filterWise) ? job.rowLength : nil)
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let (base, models) = (configuration.base, configuration.models)
        if let rowLength = configuration.rowLength {
            return RowKernel(base: base, models: models, rowLength: rowLength)
        }
        let gram = try GramMatrix.measure(models, origin: base, source: source)
        let share = Self.ratio(gram) / Double(models.count)
        return VectorCombinationKernel(origin: base, inputs: models, coefficients: models.map { _ in share })
    }

    /// t from the Gram matrix of the task vectors. mergekit divides by zero when
    /// 1 + (N − 1)·cosθ = 0 (cosθ = −1/(N − 1)); we keep the base there (t = 0).
    static func ratio(_ gram: GramMatrix) -> Double {
        let n = gram.count
        var total = 0.0
        var pairs = 0
        for a in 0..<n {
            for b in (a + 1)..<n {
                let cosine = gram[a, b] / max(gram.norm(of: a) * gram.norm(of: b), 1e-6)
                total += min(max(cosine, -1), 1)
                pairs += 1
            }
        }
        let cosine = total / Double(max(pairs, 1))
        let denominator = 1 + Double(n - 1) * cosine
        return denominator == 0 ? 0 : Double(n) * cosine / denominator
    }

    /// filter_wise: each row's Gram matrix is measured inside the chunk (chunks are whole rows).
    struct RowKernel: MergeKernel {
        var base: Int
        var models: [Int]
        var rowLength: Int

        func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
            let b = chunk.inputs[base]
            var start = 0
            while start < output.count {
                let row = start..<min(start + rowLength, output.count)
                var gram = GramMatrix(count: models.count)
                for p in models.indices {
                    for q in p..<models.count {
                        let x = chunk.inputs[models[p]]
                        let y = chunk.inputs[models[q]]
                        var sum = 0.0
                        for j in row { sum += (Double(x[j]) - Double(b[j])) * (Double(y[j]) - Double(b[j])) }
                        gram.set(p, q, sum)
                    }
                }
                let share = ModelStockMerge.ratio(gram) / Double(models.count)
                for j in row {
                    let o = Double(b[j])
                    var sum = o
                    for model in models { sum += share * (Double(chunk.inputs[model][j]) - o) }
                    output[j] = Float(sum)
                }
                start = row.upperBound
            }
        }
    }
}
