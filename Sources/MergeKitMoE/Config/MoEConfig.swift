public import MergeKitRecipe
public import MergeKitTensor
public import MergeKitYAML

/// A mergekit-moe configuration, decoded with the position of every value.
public struct MoEConfig: Sendable {
    /// One model whose MLPs become an expert (or the shared expert) in every layer.
    public struct Expert: Sendable {
        public var sourceModel: Located<String>
        public var positivePrompts: [String]
        public var negativePrompts: [String]
        /// Standard deviation of Gaussian noise added to the expert's MLP weights.
        public var noiseScale: Located<Double>?
        /// Factor on the expert's `down_proj` (its contribution to the residual stream).
        public var residualScale: Located<Double>?
        /// Where the expert's entry starts.
        public var location: SourceLocation
    }

    public var file: String
    /// The configuration text, copied into the output as `mergekit_moe_config.yml`.
    public var source: String
    public var baseModel: Located<String>
    public var experts: [Expert]
    public var expertsLocation: SourceLocation
    public var gateMode: Located<GateMode>
    public var dtype: Located<DType>?
    public var expertsPerToken: Located<Int>
    public var sharedExperts: [Expert]
    public var sharedExpertsLocation: SourceLocation?
    /// `architecture:` — selects the output by name prefix (`mixtral`, `qwen`, …).
    public var architecture: Located<String>?
    /// Unknown keys, duplicate keys and ignored settings.
    public var warnings: [Diagnostic]

    /// Every model reference, in file order: the base, then each expert's and shared expert's
    /// source model.
    public var modelReferences: [Located<String>] {
        [baseModel] + (experts + sharedExperts).map(\.sourceModel)
    }
}
