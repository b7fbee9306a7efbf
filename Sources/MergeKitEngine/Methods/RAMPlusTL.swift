/// `ramplus_tl`: RAM+ with tensor-local rescaling (mergekit's ram.py): as `ram`, but each
/// model's unique entries are scaled by λᵢ = 1 + r·clamp(sharedᵢ / uniqueᵢ, 0, alpha), where
/// sharedᵢ and uniqueᵢ count the model's entries (|τ| > epsilon) that other models also change
/// or that only it changes, in this tensor. The counts take one reduction pass.
public struct RAMPlusTLMerge: MergeMethod {
    public let name = "ramplus_tl"
    public let summary = "RAM, with each model's unique changes boosted by how much it overlaps with the others."
    public let reference: String? = "https://arxiv.org/abs/2601.13572"
    public let baseModel = BaseModelUse.required
    /// The base alone is allowed: a tensor no other model gives is the base, as in mergekit.
    public let inputCount: (minimum: Int, maximum: Int?) = (1, nil)

    enum Keys {
        static let r = ParameterKey<Double>("r", .global, .defaultValue(0.1), help: "Strength of the boost of unique entries.")
        static let alpha = ParameterKey<Double>("alpha", .global, .defaultValue(0.2), help: "Cap on the shared/unique ratio.")
    }

    public var parameters: [any ParameterDeclaration] { [RAMKernel.epsilon, Keys.r, Keys.alpha] }

    public struct Configuration: Sendable {
        let base: Int
        let models: [Int]
        let epsilon: Double
        let r: Double
        let alpha: Double
    }

    public init() {}

    public func prepare(_ job: MergeJob) throws(MethodProblem) -> Configuration {
        Configuration(
            base: try job.requiredBase(), models: job.modelIndices, epsilon: try job.value(RAMKernel.epsilon),
            r: try job.value(Keys.r), alpha: try job.value(Keys.alpha))
    }

    /// A tensor no model besides the base gives is the base's bytes.
    public func verbatimInput(of configuration: Configuration) -> Int? {
        configuration.models.isEmpty ? configuration.base : nil
    }

    public func makeKernel(_ configuration: Configuration, source: any ChunkSource) throws -> any MergeKernel {
        let (base, models, epsilon) = (configuration.base, configuration.models, configuration.epsilon)
        guard !models.isEmpty else { return TaskVectorMergeKernel.base(base) }
        var kernel = RAMKernel(base: base, models: models, epsilon: Float(epsilon), uniqueScales: [])
        var shared = [Int](repeating: 0, count: models.count)
        var unique = [Int](repeating: 0, count: models.count)
        try source.forEachChunk { chunk in
            for j in 0..<chunk.elements.count {
                let changed = kernel.changedCount(chunk, j)
                guard changed > 0 else { continue }
                for (slot, model) in models.enumerated() where kernel.changes(chunk, model, j) {
                    if changed == 1 { unique[slot] += 1 } else { shared[slot] += 1 }
                }
            }
        }
        let (r, alpha) = (configuration.r, configuration.alpha)
        kernel.uniqueScales = models.indices.map { slot in
            let ratio = Double(shared[slot]) / max(Double(unique[slot]), epsilon)
            return 1 + r * min(max(ratio, 0), alpha)
        }
        return kernel
    }
}
