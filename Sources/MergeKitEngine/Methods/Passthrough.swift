/// `passthrough`: copies one input per tensor (frankenmerges stack layers of different models
/// with `slices:`), optionally multiplied by `scale`. Without a scale the bytes are copied as
/// they are, whatever the dtype.
public struct PassthroughMerge: MergeMethod {
    public let name = "passthrough"
    public let summary = "Copies tensors from one model per slice (layer stacking, frankenmerges)."
    public let baseModel = BaseModelUse.ignored
    public let inputCount: (minimum: Int, maximum: Int?) = (1, 1)

    enum Keys {
        static let scale = ParameterKey<Double?>("scale", .perModel, .defaultValue(nil), help: "Multiply the tensor by this factor.")
    }

    public var parameters: [any ParameterDeclaration] { [Keys.scale] }

    public struct Configuration: Sendable {
        /// nil: the input's bytes as they are.
        let scale: Double?
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        Configuration(scale: try job.value(Keys.scale, of: 0))
    }

    public func verbatimInput(of configuration: Configuration) -> Int? {
        configuration.scale == nil ? 0 : nil
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        WeightedSumKernel(weights: [configuration.scale ?? 1])
    }
}
