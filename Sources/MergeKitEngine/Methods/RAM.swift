/// `ram`: Reinforced Agent Merging (mergekit's ram.py): an entry of a task vector counts when
/// |τ| > epsilon; entries only one model changes are taken whole, entries several models change
/// are averaged over those models.
public struct RAMMerge: MergeMethod {
    public let name = "ram"
    public let summary = "Adds changes unique to one model whole and averages changes several models share."
    public let reference: String? = "https://arxiv.org/abs/2601.13572"
    public let parameters: [ParameterSpec] = RAMKernel.parameters
    public let baseModel = BaseModelUse.required
    public let inputCount: (minimum: Int, maximum: Int?) = (2, nil)

    public init() {}

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        guard let base = job.baseIndex else { preconditionFailure("the planner guarantees a base") }
        let models = job.inputs.indices.filter { $0 != base }
        return RAMKernel(base: base, models: models, epsilon: Float(job.number(RAMKernel.Name.epsilon)),
                         uniqueScales: models.map { _ in 1 })
    }
}
