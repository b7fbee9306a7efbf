/// `ram`: Reinforced Agent Merging (mergekit's ram.py): an entry of a task vector counts when
/// |τ| > epsilon; entries only one model changes are taken whole, entries several models change
/// are averaged over those models.
public struct RAMMerge: MergeMethod {
    public let name = "ram"
    public let summary = "Adds changes unique to one model whole and averages changes several models share."
    public let reference: String? = "https://arxiv.org/abs/2601.13572"
    public let baseModel = BaseModelUse.required
    /// The base alone is allowed: a tensor no other model gives is the base, as in mergekit.
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    public var parameters: [any ParameterDeclaration] { [RAMKernel.epsilon] }

    public struct Configuration: Sendable {
        let base: Int
        let models: [Int]
        let epsilon: Double
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        Configuration(base: try job.requiredBase(), models: job.modelIndices, epsilon: try job.value(RAMKernel.epsilon))
    }

    /// A tensor no model besides the base gives is the base's bytes.
    public func verbatimInput(of configuration: Configuration) -> Int? {
        configuration.models.isEmpty ? configuration.base : nil
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        guard !configuration.models.isEmpty else { return TaskVectorMergeKernel.base(configuration.base) }
        return RAMKernel(base: configuration.base, models: configuration.models, epsilon: Float(configuration.epsilon),
                         uniqueScales: configuration.models.map { _ in 1 })
    }
}
