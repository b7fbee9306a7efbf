/// A PEFT LoRA adapter that cannot be applied: the file to blame (`adapter_config.json` or
/// the adapter's weights), the tensor when one is, and why, with the shapes involved.
public struct LoRAAdapterError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let tensor: String?
    public let kind: Kind

    public init(file: String, tensor: String? = nil, kind: Kind) {
        self.file = file
        self.tensor = tensor
        self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
        /// The directory has no adapter_config.json.
        case missingConfig
        /// The directory has neither adapter_model.safetensors nor adapter_model.bin.
        case missingWeights
        /// adapter_config.json cannot be opened or is not a regular file (the system's reason).
        case unreadable(String)
        /// The weights file itself is broken (its own message names file and tensor).
        case unreadableWeights(String)
        case invalidJSON(String)
        case invalidField(String, expected: String, found: String)
        /// A PEFT feature whose merge is not W + s·B·A (DoRA, LoRA biases, ...).
        case unsupportedFeature(String)
        case invalidPattern(field: String, pattern: String)
        /// A tensor name that is not `base_model.model.<module>...`.
        case notAPEFTName
        /// A LoRA tensor other than lora_A / lora_B / lora_embedding_A / lora_embedding_B.
        case unsupportedTensor(String)
        /// lora_A without lora_B, or the reverse.
        case missingPartner(module: String, missing: String)
        /// A LoRA matrix that is not 2-D (Conv2d LoRA, or a broken save).
        case notAMatrix(shape: [Int])
        /// A's rows and B's columns (the rank) differ.
        case rankMismatch(a: [Int], b: [Int])
        /// adapter_config.json's rank for the module differs from the tensors'.
        case configuredRankMismatch(module: String, configured: Int, source: String, found: Int)
        /// target_modules does not select the module, so PEFT would not load this tensor.
        case notTargeted(module: String, targetModules: String)
        case notMergeable(dtype: String)
        /// The base model has no tensor `baseTensor` for this adapter tensor.
        case baseTensorMissing(baseTensor: String, baseModel: String)
        /// The adapter's update has `delta` shape, the base tensor `base`.
        case shapeMismatch(baseTensor: String, base: [Int], delta: [Int], layout: String)
        /// A tensor that replaces a base tensor (modules_to_save, base_layer) has another shape.
        case replacementShapeMismatch(baseTensor: String, base: [Int], replacement: [Int])
    }

    public var description: String {
        if case .unreadableWeights(let message) = kind { return message }
        let subject = tensor.map { "\(file): tensor '\($0)': " } ?? "\(file): "
        return subject + kind.description
    }
}

extension LoRAAdapterError.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missingConfig:
            return "no \(LoRAAdapter.configFileName) (a PEFT LoRA adapter directory has one)"
        case .missingWeights:
            return "no \(LoRAAdapter.weightFileNames.joined(separator: " or ")) (a PEFT LoRA adapter directory has one)"
        case .unreadable(let reason):
            return reason
        case .unreadableWeights(let message):
            return message
        case .invalidJSON(let reason):
            return "is not valid JSON: \(reason)"
        case .invalidField(let field, let expected, let found):
            return "'\(field)' must be \(expected), found \(found)"
        case .unsupportedFeature(let feature):
            return "\(feature) is not supported: only plain LoRA (W + s·B·A) adapters are applied"
        case .invalidPattern(let field, let pattern):
            return "\(field) pattern '\(pattern)' is not a valid regular expression"
        case .notAPEFTName:
            return "not a PEFT adapter tensor name (expected base_model.model.<module>.lora_A.weight, ...)"
        case .unsupportedTensor(let part):
            return "'\(part)' tensors are not supported: only lora_A / lora_B, lora_embedding_A / lora_embedding_B and whole replacement tensors are applied"
        case .missingPartner(let module, let missing):
            return "module '\(module)' has no \(missing) tensor"
        case .notAMatrix(let shape):
            return "shape \(shape) is not a matrix; only Linear, Conv1D and Embedding LoRA layers are supported"
        case .rankMismatch(let a, let b):
            return "rank mismatch: lora_A is \(a) (rank \(a.first ?? 0)) but lora_B is \(b) (rank \(b.last ?? 0))"
        case .configuredRankMismatch(let module, let configured, let source, let found):
            return "adapter_config.json gives module '\(module)' rank \(configured) (\(source)), but its tensors have rank \(found)"
        case .notTargeted(let module, let targetModules):
            return "adapts module '\(module)', which adapter_config.json's target_modules (\(targetModules)) does not select"
        case .notMergeable(let dtype):
            return "dtype \(dtype) cannot be merged (float32, float16, bfloat16 and float64 can)"
        case .baseTensorMissing(let baseTensor, let baseModel):
            return "adapts '\(baseTensor)', which the base model \(baseModel) does not have (an adapter for another architecture?)"
        case .shapeMismatch(let baseTensor, let base, let delta, let layout):
            return "its update \(layout) is \(delta), but base tensor '\(baseTensor)' is \(base)"
        case .replacementShapeMismatch(let baseTensor, let base, let replacement):
            return "replaces base tensor '\(baseTensor)' (\(base)) with a tensor of shape \(replacement)"
        }
    }
}
