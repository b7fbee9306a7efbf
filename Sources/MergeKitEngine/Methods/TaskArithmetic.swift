/// `task_arithmetic`: θ_b + λ·Σ wᵢ(θᵢ − θ_b) (Ilharco et al. 2023), optionally divided by Σ wᵢ.
/// The sparsifying variants (TIES, DARE, …) build on the same task vectors.
public struct TaskArithmeticMerge: MergeMethod {
    public let name = "task_arithmetic"
    public let summary = "Adds the weighted task vectors (fine-tune minus base) to the base."
    public let reference: String? = "https://arxiv.org/abs/2212.04089"
    public let parameters: [ParameterSpec] = [
        ParameterSpec("weight", .number(nil), .perModel, required: true, help: "Weight of this model's task vector."),
        ParameterSpec("normalize", .bool, .global, default: .bool(false), help: "Divide the sum by the sum of the weights."),
        ParameterSpec("lambda", .number(nil), .global, default: .number(1), help: "Scale of the merged task vector."),
    ]
    public let baseModel = BaseModelUse.required
    public let inputCount: (minimum: Int, maximum: Int?) = (2, nil)

    public init() {}

    public func problem(with job: MergeJob) -> String? {
        guard job.bool("normalize") else { return nil }
        let total = job.inputs.filter { !$0.isBase }.reduce(0) { $0 + $1.number("weight") }
        return abs(total) < 1e-8 ? "the weights sum to 0, so normalize: true would divide by zero" : nil
    }

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        guard let base = job.baseIndex else { preconditionFailure("the planner guarantees a base") }
        let lambda = job.number("lambda")
        let contributors = job.inputs.indices.filter { $0 != base }
        let weights = contributors.map { job.inputs[$0].number("weight") }
        let divisor = job.bool("normalize") ? weights.reduce(0, +) : 1
        // θ_b + Σ cᵢ(θᵢ − θ_b) = (1 − Σ cᵢ)θ_b + Σ cᵢθᵢ would cancel badly; keep the deltas.
        return TaskVectorSumKernel(
            base: base, contributors: contributors, weights: weights.map { lambda * $0 / divisor })
    }
}

/// out = θ_b + Σ cᵢ(θᵢ − θ_b), accumulated in Double and rounded once.
struct TaskVectorSumKernel: MergeKernel {
    let base: Int
    let contributors: [Int]
    let weights: [Double]

    func merge(_ chunk: InputChunk, into output: UnsafeMutableBufferPointer<Float>) {
        let baseValues = chunk.inputs[base]
        for j in 0..<output.count {
            let b = Double(baseValues[j])
            var sum = 0.0
            for (k, i) in contributors.enumerated() {
                sum += weights[k] * (Double(chunk.inputs[i][j]) - b)
            }
            output[j] = Float(b + sum)
        }
    }
}
