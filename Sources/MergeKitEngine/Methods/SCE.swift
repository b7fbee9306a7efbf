/// `sce`: Select, Calculate, Erase (FuseChat, Wan et al. 2024), as in mergekit's sce.py:
/// keep the `select_topk` fraction of entries where the task vectors vary most across models,
/// weight each model by its mean squared (selected) task vector, and average only the entries
/// agreeing with the elected sign.
public struct SCEMerge: MergeMethod {
    public let name = "sce"
    public let summary = "Keeps the entries where the models disagree most, weights models by delta energy, merges agreeing signs."
    public let reference: String? = "https://arxiv.org/abs/2408.07990"
    public let baseModel = BaseModelUse.required
    /// The base alone is allowed: a tensor no other model gives is the base, as in mergekit.
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    enum Keys {
        static let selectTopK = ParameterKey<Double>(
            "select_topk", .global, .defaultValue(1), range: 0...1,
            help: "Fraction of entries kept, by variance of the task vectors across models (1 keeps all).")
        static let int8Mask = ParameterKey<Bool?>("int8_mask", .global, .defaultValue(nil), help: "Accepted for mergekit recipes; no effect.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.selectTopK, Keys.int8Mask] }

    public struct Configuration: Sendable {
        let base: Int
        let models: [Int]
        /// The `select_topk` fraction of entries kept.
        let fraction: Double
        let elementCount: Int
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        Configuration(
            base: try job.requiredBase(), models: job.modelIndices, fraction: try job.value(Keys.selectTopK),
            elementCount: job.elementCount)
    }

    /// A tensor no model besides the base gives is the base's bytes.
    public func verbatimInput(of configuration: Configuration) -> Int? {
        configuration.models.isEmpty ? configuration.base : nil
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let (base, models, n) = (configuration.base, configuration.models, configuration.elementCount)
        guard !models.isEmpty else { return TaskVectorMergeKernel.base(base) }
        let selection = try Self.selection(fraction: configuration.fraction, base: base, models: models, elementCount: n, source: source)
        let weights = try Self.weights(base: base, models: models, selection: selection, elementCount: n, source: source)
        return Kernel(base: base, models: models, selection: selection, weights: weights)
    }

    /// The entries kept: the top k = ⌊nonzero·fraction⌋ population variances of the task
    /// vectors (ties: lowest index first), where `nonzero` counts entries whose variance is not 0.
    static func selection(
        fraction: Double, base: Int, models: [Int], elementCount: Int, source: any ChunkSource
    ) throws -> TopCut {
        guard fraction < 1 else { return .everything }
        guard fraction > 0 else { return .nothing }
        let variances = DerivedValueKeys { chunk, values in
            for j in 0..<values.count { values[j] = variance(j, chunk, base: base, models: models) }
        }
        var nonzero = 0
        try source.forEachChunk { chunk in
            for key in variances.keys(of: 0, in: chunk) where DerivedValueKeys.value(ofKey: key) != 0 { nonzero += 1 }
        }
        let k = Int(Double(nonzero) * fraction)
        guard k > 0 else { return .nothing }
        return try variances.top(k, elementCount: elementCount, source: source)
    }

    /// Population variance across models of τᵢ = xᵢ − base at entry j of a chunk (τ rounded to
    /// Float, as torch has it; the variance in Double, rounded once).
    static func variance(_ j: Int, _ chunk: InputChunk, base: Int, models: [Int]) -> Float {
        let b = chunk.inputs[base][j]
        let m = Double(models.count)
        var sum = 0.0
        for model in models { sum += Double(chunk.inputs[model][j] - b) }
        let mean = sum / m
        var squares = 0.0
        for model in models {
            let d = Double(chunk.inputs[model][j] - b) - mean
            squares += d * d
        }
        return Float(squares / m)
    }

    /// Each model's mean squared selected task vector, normalised to sum 1 (uniform when the
    /// sum is below 1e-6, as in mergekit).
    static func weights(
        base: Int, models: [Int], selection: TopCut, elementCount: Int, source: any ChunkSource
    ) throws -> [Double] {
        var sums = BlockedSums(count: models.count)
        try source.forEachChunk { chunk in
            let b = chunk.inputs[base]
            sums.add(chunk.elements) { local, partial in
                for (slot, model) in models.enumerated() {
                    let x = chunk.inputs[model]
                    var sum = 0.0
                    for j in local where isSelected(j, chunk, by: selection, base: base, models: models) {
                        let tau = Double(x[j] - b[j])
                        sum += tau * tau
                    }
                    partial[slot] += sum
                }
            }
        }
        let means = sums.finish().map { $0 / Double(max(elementCount, 1)) }
        let total = means.reduce(0, +)
        guard abs(total) >= 1e-6 else { return models.map { _ in 1 / Double(models.count) } }
        return means.map { $0 / total }
    }

    static func isSelected(_ j: Int, _ chunk: InputChunk, by selection: TopCut, base: Int, models: [Int]) -> Bool {
        selection == .everything
            || selection.contains(key: DerivedValueKeys.key(variance(j, chunk, base: base, models: models)),
                                  at: chunk.elements.lowerBound + j)
    }

    struct Kernel: MergeKernel {
        var base: Int
        var models: [Int]
        var selection: TopCut
        var weights: [Double]

        func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
            let b = chunk.inputs[base]
            for j in 0..<output.count {
                guard SCEMerge.isSelected(j, chunk, by: selection, base: base, models: models) else {
                    output[j] = b[j]
                    continue
                }
                var tally = 0.0
                for model in models { tally += Double(chunk.inputs[model][j] - b[j]) }
                let positive = tally >= 0
                var merged = 0.0
                var divisor = 0.0
                for (k, model) in models.enumerated() {
                    let tau = Double(chunk.inputs[model][j] - b[j])
                    guard positive ? tau > 0 : tau < 0 else { continue }
                    merged += weights[k] * tau
                    divisor += weights[k]
                }
                output[j] = Float(Double(b[j]) + merged / max(divisor, 1e-6))
            }
        }
    }
}
