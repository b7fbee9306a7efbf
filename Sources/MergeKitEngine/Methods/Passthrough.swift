/// `passthrough`: copies one input per tensor (frankenmerges stack layers of different models
/// with `slices:`), optionally multiplied by `scale`. Without a scale the bytes are copied as
/// they are, whatever the dtype.
public struct PassthroughMerge: MergeMethod {
    public let name = "passthrough"
    public let summary = "Copies tensors from one model per slice (layer stacking, frankenmerges)."
    public let parameters: [ParameterSpec] = [
        ParameterSpec("scale", .number(nil), .perModel, help: "Multiply the tensor by this factor."),
    ]
    public let baseModel = BaseModelUse.ignored
    public let inputCount: (minimum: Int, maximum: Int?) = (1, 1)

    public init() {}

    public func verbatimInput(of job: MergeJob) -> Int? {
        job.inputs[0].optionalNumber("scale") == nil ? 0 : nil
    }

    public func makeKernel(for job: MergeJob, source: any ChunkSource) throws -> any MergeKernel {
        WeightedSumKernel(weights: [job.inputs[0].optionalNumber("scale") ?? 1])
    }
}
