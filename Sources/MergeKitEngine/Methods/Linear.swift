/// `linear`: the weighted average Σ wᵢθᵢ / Σ wᵢ (or the plain weighted sum with
/// `normalize: false`). Model soups, Wortsman et al. 2022.
public struct LinearMerge: MergeMethod {
    public let name = "linear"
    public let summary = "Weighted average of the models (a model soup)."
    public let reference: String? = "https://arxiv.org/abs/2203.05482"
    public let baseModel = BaseModelUse.plainInput
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    enum Keys {
        static let weight = ParameterKey<Double>("weight", .perModel, .required, help: "Weight of this model.")
        static let normalize = ParameterKey<Bool>("normalize", .global, .defaultValue(true), help: "Divide by the sum of the weights.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.weight, Keys.normalize] }

    public struct Configuration: Sendable {
        /// Each input's factor: its weight, divided by their sum under `normalize`.
        let factors: [Double]
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        var weights: [Double] = []
        for input in job.inputs.indices { weights.append(try job.value(Keys.weight, of: input)) }
        guard try job.value(Keys.normalize) else { return Configuration(factors: weights) }
        let total = weights.reduce(0, +)
        guard total != 0 else { throw MethodProblem("the weights sum to 0, so normalize: true would divide by zero") }
        return Configuration(factors: weights.map { $0 / total })
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        WeightedSumKernel(weights: configuration.factors)
    }
}

/// out = Σ cᵢ·xᵢ, accumulated in Double and rounded once.
struct WeightedSumKernel: MergeKernel {
    let weights: [Double]

    func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
        for j in 0..<output.count {
            var sum = 0.0
            for (i, input) in chunk.inputs.enumerated() {
                sum += weights[i] * Double(input[j])
            }
            output[j] = Float(sum)
        }
    }
}
