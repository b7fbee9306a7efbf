import Foundation

/// `multislerp`: barycentric interpolation of any number of models on the hypersphere
/// (mergekit's multislerp.py): the unit vectors (task vectors with a base) are projected onto
/// the tangent space at their weighted mean direction, averaged there, mapped back with the
/// exponential map and scaled by Σ wᵢ‖vᵢ‖. Every step is done on coefficients of the Gram
/// matrix, so it streams like a linear merge.
public struct MultiSLERPMerge: MergeMethod {
    public let name = "multislerp"
    public let summary = "Weighted spherical barycentre of any number of models (or their task vectors)."
    public let reference: String? = "https://goddard.blog/posts/multislerp-wow-what-a-cool-idea"
    public let baseModel = BaseModelUse.optional
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    enum Keys {
        static let weight = ParameterKey<Double>("weight", .perModel, .required, help: "Weight of this model.")
        static let normalizeWeights = ParameterKey<Bool>(
            "normalize_weights", .global, .defaultValue(true), help: "Divide the weights by their sum.")
        static let eps = ParameterKey<Double>(
            "eps", .global, .defaultValue(1e-8), range: 0...1,
            help: "Added to norms before dividing; a mean direction shorter than this counts as zero.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.weight, Keys.normalizeWeights, Keys.eps] }

    public struct Configuration: Sendable {
        let tensorName: String
        /// The inputs other than the base.
        let models: [Int]
        /// Their weights, normalised under `normalize_weights`.
        let weights: [Double]
        let origin: Int?
        let eps: Double
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let models = job.modelIndices
        if models.isEmpty { throw MethodProblem("multislerp needs at least 1 model besides the base") }
        var weights: [Double] = []
        for model in models { weights.append(try job.value(Keys.weight, of: model)) }
        if try job.value(Keys.normalizeWeights), models.count > 1 {
            let total = weights.reduce(0, +)
            guard total != 0 else { throw MethodProblem("the weights sum to 0, so normalize_weights: true would divide by zero") }
            weights = weights.map { $0 / total }
        }
        return Configuration(tensorName: job.tensorName, models: models, weights: weights, origin: job.baseIndex, eps: try job.value(Keys.eps))
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let models = configuration.models
        // mergekit returns a lone model as it is (not base + its task vector: the same up to rounding).
        guard models.count > 1 else { return VectorCombinationKernel(origin: nil, inputs: models, coefficients: [1]) }
        let origin = configuration.origin
        let gram = try GramMatrix.measure(models, origin: origin, source: source)
        guard let coefficients = Self.coefficients(weights: configuration.weights, gram: gram, eps: configuration.eps) else {
            throw MergeMethodError(method: name, tensor: configuration.tensorName,
                                   "the weighted mean of the unit vectors is zero (antipodal vectors with balancing weights); change the weights")
        }
        return VectorCombinationKernel(origin: origin, inputs: models, coefficients: coefficients)
    }

    /// The result's coefficients on the vectors; nil when the weighted mean direction vanishes
    /// with more than two vectors (two fall back to Σ wᵢvᵢ, as in mergekit).
    static func coefficients(weights: [Double], gram: GramMatrix, eps: Double) -> [Double]? {
        let m = weights.count
        let norms = (0..<m).map { gram.norm(of: $0) }
        // unitᵢ = vᵢ / (‖vᵢ‖ + eps): coefficient uᵢ on vᵢ.
        let unit = norms.map { 1 / ($0 + eps) }
        let weightedUnits = (0..<m).map { weights[$0] * unit[$0] }
        let meanNorm = gram.norm(weightedUnits)
        guard meanNorm >= eps else { return m == 2 ? weights : nil }
        let mean = weightedUnits.map { $0 / meanNorm }
        // dotsᵢ = ⟨unitᵢ, mean⟩; tangent = Σ wᵢ (unitᵢ − dotsᵢ·mean).
        let gMean = gram.times(mean)
        let dots = (0..<m).map { unit[$0] * gMean[$0] }
        let pull = (0..<m).reduce(0.0) { $0 + weights[$1] * dots[$1] }
        let tangent = (0..<m).map { weightedUnits[$0] - pull * mean[$0] }
        let tangentNorm = gram.norm(tangent) + eps
        let scale = (0..<m).reduce(0.0) { $0 + weights[$1] * norms[$1] }
        return (0..<m).map { (mean[$0] * cos(tangentNorm) + tangent[$0] * sin(tangentNorm) / tangentNorm) * scale }
    }
}
