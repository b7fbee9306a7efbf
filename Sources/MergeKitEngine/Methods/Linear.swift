/// `linear`: the weighted average Σ wᵢθᵢ / Σ wᵢ (or the plain weighted sum with
/// `normalize: false`). Model soups, Wortsman et al. 2022.
public struct LinearMerge: MergeMethod {
    public let name = "linear"
    public let summary = "Weighted average of the models (a model soup)."
    public let reference: String? = "https://arxiv.org/abs/2203.05482"
    public let parameters: [ParameterSpec] = [
        ParameterSpec("weight", .number(nil), .perModel, required: true, help: "Weight of this model."),
        ParameterSpec("normalize", .bool, .global, default: .bool(true), help: "Divide by the sum of the weights."),
    ]
    public let baseModel = BaseModelUse.plainInput
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    public init() {}

    public func problem(with job: MergeJob) -> String? {
        guard job.bool("normalize") else { return nil }
        let total = job.inputs.reduce(0) { $0 + $1.number("weight") }
        return total == 0 ? "the weights sum to 0, so normalize: true would divide by zero" : nil
    }

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        let weights = job.inputs.map { $0.number("weight") }
        let divisor = job.bool("normalize") ? weights.reduce(0, +) : 1
        return WeightedSumKernel(weights: weights.map { $0 / divisor })
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
