/// A method of the task-arithmetic family: a name and a `GeneralizedTaskArithmetic`
/// configuration; everything else (parameters, checks, kernel) comes from the shared core.
protocol TaskArithmeticFamily: MergeMethod {
    var configuration: GeneralizedTaskArithmetic { get }
}

extension TaskArithmeticFamily {
    public var parameters: [ParameterSpec] { configuration.parameters }
    public var baseModel: BaseModelUse { .required }
    public var inputCount: (minimum: Int, maximum: Int?) { (2, nil) }

    public func problem(with job: MergeJob) -> String? {
        configuration.problem(with: job)
    }

    /// Excluded tensors are the base's bytes.
    public func verbatimInput(of job: MergeJob) -> Int? {
        configuration.isExcluded(job) ? job.baseIndex : nil
    }

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        try configuration.makeKernel(for: job, source: source)
    }
}
