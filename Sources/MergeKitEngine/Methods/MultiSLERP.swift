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
    public let parameters: [ParameterSpec] = [
        ParameterSpec(Name.weight, .number(nil), .perModel, required: true, help: "Weight of this model."),
        ParameterSpec(Name.normalizeWeights, .bool, .global, default: .bool(true),
                      help: "Divide the weights by their sum."),
        ParameterSpec(Name.eps, .number(0...1), .global, default: .number(1e-8),
                      help: "Added to norms before dividing; a mean direction shorter than this counts as zero."),
    ]
    public let baseModel = BaseModelUse.optional
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    enum Name {
        static let weight = "weight"
        static let normalizeWeights = "normalize_weights"
        static let eps = "eps"
    }

    public init() {}

    public func problem(with job: MergeJob) -> String? {
        let models = job.inputs.filter { !$0.isBase }
        if models.isEmpty { return "multislerp needs at least 1 model besides the base" }
        guard job.bool(Name.normalizeWeights), models.count > 1 else { return nil }
        let total = models.reduce(0) { $0 + $1.number(Name.weight) }
        return total == 0 ? "the weights sum to 0, so normalize_weights: true would divide by zero" : nil
    }

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        let models = job.inputs.indices.filter { !job.inputs[$0].isBase }
        // mergekit returns a lone model as it is (not base + its task vector: the same up to rounding).
        guard models.count > 1 else { return VectorCombinationKernel(origin: nil, inputs: models, coefficients: [1]) }
        var weights = models.map { job.inputs[$0].number(Name.weight) }
        if job.bool(Name.normalizeWeights) {
            let total = weights.reduce(0, +)
            weights = weights.map { $0 / total }
        }
        let origin = job.baseIndex
        let gram = try GramMatrix.measure(models, origin: origin, source: source)
        guard let coefficients = Self.coefficients(weights: weights, gram: gram, eps: job.number(Name.eps)) else {
            throw MergeMethodError(method: name, tensor: job.tensorName,
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
