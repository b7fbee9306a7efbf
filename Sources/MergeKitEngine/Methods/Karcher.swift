import Foundation

/// `karcher`: the Karcher (Riemannian) mean of the models' directions on the unit sphere, scaled
/// by the mean of their norms (mergekit's karcher.py: equal weights, up to `max_iter` gradient
/// steps, stopping when the step is shorter than `tol`). The iteration runs on coefficients of
/// the Gram matrix of the inputs, so the tensor is read twice (Gram pass, map pass) and never
/// held.
public struct KarcherMerge: MergeMethod {
    public let name = "karcher"
    public let summary = "Riemannian (Karcher) mean of the models on the sphere, scaled by their mean norm."
    public let reference: String? = "https://en.wikipedia.org/wiki/Karcher_mean"
    /// No notion of a base: a given base_model is one more model to average (as in mergekit).
    public let baseModel = BaseModelUse.plainInput
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    enum Keys {
        static let maxIter = ParameterKey<Double>(
            "max_iter", .global, .defaultValue(10), range: 0...10_000, help: "Most gradient steps of the iteration.")
        static let tol = ParameterKey<Double>(
            "tol", .global, .defaultValue(1e-5), range: 0...1,
            help: "Stop when a step is shorter than this; norms and angles below it count as zero.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.maxIter, Keys.tol] }

    public struct Configuration: Sendable {
        let inputs: [Int]
        let maxIterations: Int
        let tolerance: Double
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        let steps = try job.value(Keys.maxIter)
        // The recipe checker keeps it in range; a job built by hand might not.
        guard Keys.maxIter.range?.contains(steps) ?? false else {
            throw MethodProblem("max_iter must be a \(Keys.maxIter.kindDescription); it is \(ResolvedValue.format(steps))")
        }
        return Configuration(inputs: Array(job.inputs.indices), maxIterations: Int(steps), tolerance: try job.value(Keys.tol))
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let inputs = configuration.inputs
        guard inputs.count > 1 else { return VectorCombinationKernel(origin: nil, inputs: inputs, coefficients: [1]) }
        let gram = try GramMatrix.measure(inputs, origin: nil, source: source)
        let coefficients = Self.coefficients(
            gram: gram, maxIterations: configuration.maxIterations, tolerance: configuration.tolerance)
        return VectorCombinationKernel(origin: nil, inputs: inputs, coefficients: coefficients)
    }

    /// The mean's coefficients on the input vectors (equal weights 1/m).
    static func coefficients(gram: GramMatrix, maxIterations: Int, tolerance: Double) -> [Double] {
        let m = gram.count
        let alpha = 1 / Double(m)
        let norms = (0..<m).map { gram.norm(of: $0) }
        func unit(_ i: Int) -> [Double] {
            var c = [Double](repeating: 0, count: m)
            if norms[i] > 0 { c[i] = 1 / norms[i] }
            return c
        }
        let valid = (0..<m).filter { norms[$0] > tolerance }
        guard let firstValid = valid.first else { return [Double](repeating: 0, count: m) }
        let share = 1 / Double(valid.count)

        var mean = [Double](repeating: 0, count: m)
        for i in valid { mean[i] += share / norms[i] }
        let meanNorm = gram.norm(mean)
        mean = meanNorm < tolerance ? unit(firstValid) : mean.map { $0 / meanNorm }

        for _ in 0..<max(maxIterations, 0) {
            var step = [Double](repeating: 0, count: m)
            let gMean = gram.times(mean)
            for i in valid {
                let dot = min(max(gMean[i] / norms[i], -1), 1)
                let theta = acos(dot)
                guard theta >= tolerance else { continue }
                let factor = share * theta / sin(theta)
                for k in 0..<m { step[k] -= factor * dot * mean[k] }
                step[i] += factor / norms[i]
            }
            let stepNorm = gram.norm(step)
            guard stepNorm >= tolerance else { break }
            mean = (0..<m).map { cos(stepNorm) * mean[$0] + sin(stepNorm) * step[$0] / stepNorm }
            let length = gram.norm(mean)
            if length > tolerance { mean = mean.map { $0 / length } }
        }
        let scale = norms.reduce(0) { $0 + alpha * $1 }
        return mean.map { $0 * scale }
    }
}
