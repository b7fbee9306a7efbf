/// A method of the task-arithmetic family: a name and a `GeneralizedTaskArithmetic` core;
/// everything else (parameters, checks, kernel) comes from the shared core.
protocol TaskArithmeticFamily: MergeMethod where Configuration == GeneralizedTaskArithmetic.Configuration {
    var core: GeneralizedTaskArithmetic { get }
}

extension TaskArithmeticFamily {
    public var parameters: [any ParameterDeclaration] { core.parameters }
    public var baseModel: BaseModelUse { .required }
    public var inputCount: (minimum: Int, maximum: Int?) { (2, nil) }

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> GeneralizedTaskArithmetic.Configuration {
        try core.prepare(job)
    }

    /// Excluded tensors are the base's bytes.
    public func verbatimInput(of configuration: GeneralizedTaskArithmetic.Configuration) -> Int? {
        configuration.isExcluded ? configuration.baseInput : nil
    }

    public func makeKernel(_ configuration: GeneralizedTaskArithmetic.Configuration, source: any ChunkSource) throws -> any MergeKernel {
        try core.makeKernel(configuration, source: source)
    }
}
