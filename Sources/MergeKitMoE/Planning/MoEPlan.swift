public import MergeKitEngine
public import MergeKitRecipe
public import MergeKitSafetensors
public import MergeKitTensor

/// Everything a MoE build will do, decided and checked from the configuration and the models'
/// headers before any weight is read: the output architecture, every output tensor with where
/// its bytes come from and where they go, the gates' inputs, and the output config.json.
public struct MoEPlan: Sendable {
    /// Part of a source model's tensor that makes (part of) an output tensor.
    public struct SourceSlice: Sendable {
        public var model: Int
        public var tensor: String
        /// Expert position (experts first, then shared experts) for the noise stream.
        public var expertPosition: Int
        public var noiseScale: Double?
        public var residualScale: Double?

        public var isPlainCopy: Bool { noiseScale == nil && residualScale == nil }
    }

    public enum Source: Sendable {
        /// The slices' elements one after the other (one slice: a copy; several: fused experts).
        case slices([SourceSlice])
        case zeros
        /// Rows of the gate matrix of a layer.
        case gate(layer: Int, rows: Range<Int>)
    }

    public struct OutputTensor: Sendable {
        public var spec: OutputTensorSpec
        public var source: Source
    }

    /// One expert's prompts, encoded for the gates.
    public struct GatePrompts: Sendable {
        public var positive: [[Int]]
        public var negative: [[Int]]
    }

    public let config: MoEConfig
    public let architecture: MoEArchitecture
    /// Index 0 is the base model.
    public let models: [ModelDirectory]
    /// The model index of each expert, then of each shared expert.
    public let expertModels: [Int]
    public let outputDType: DType?
    public let tensors: [OutputTensor]
    public let layout: ShardLayout
    public let outputConfig: JSONValue
    public let layerCount: Int
    public let hiddenSize: Int
    /// Experts (and gated shared experts) that get a row in the gate matrix, in order.
    public let gatedExperts: Int
    /// Encoded prompts per gated expert (empty for the random modes).
    public let prompts: [GatePrompts]
    public let seed: UInt64
    public let warnings: [Diagnostic]

    public var base: ModelDirectory { models[0] }
}
