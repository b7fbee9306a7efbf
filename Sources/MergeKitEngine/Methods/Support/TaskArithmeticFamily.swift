/// A method of the task-arithmetic family: a name and a `GeneralizedTaskArithmetic` core;
/// everything else (parameters, checks, kernel) comes from the shared core.
protocol TaskArithmeticFamily: MergeMethod where Configuration == GeneralizedTaskArithmetic.Configuration {
    var core: GeneralizedTaskArithmetic { get }
}

extension TaskArithmeticFamily {
    public var parameters: [any ParameterDeclaration] { core.parameters }
    public var baseModel: BaseModelUse { .required }
    /// The base alone is allowed: a tensor no other model gives is the base, as mergekit's
    /// `merge_group` returns it (a `slices:` recipe can take some layers from the base alone).
    public var inputCount: (minimum: Int, maximum: Int?) { (1, nil) }

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> GeneralizedTaskArithmetic.Configuration {
        try core.prepare(job)
    }

    /// Excluded tensors, and tensors no other model gives, are the base's bytes.
    public func verbatimInput(of configuration: GeneralizedTaskArithmetic.Configuration) -> Int? {
        configuration.models.isEmpty ? configuration.baseInput : nil
    }

    public func makeKernel(_ configuration: GeneralizedTaskArithmetic.Configuration, source: any ChunkSource) throws -> any MergeKernel {
        try core.makeKernel(configuration, source: source)
    }
}
