import MergeKitSafetensors

/// A PEFT LoRA adapter directory (`adapter_config.json` + `adapter_model.safetensors` or
/// `adapter_model.bin`), opened and checked on its own: every `lora_A` has its `lora_B`, ranks
/// agree with each other and with the config, and every module is one target_modules selects.
/// `apply(to:)` then checks it against a base model and gives the adapted weights.
///
/// Tensor names follow PEFT's saved form, `base_model.model.<module>.<part>`:
/// `lora_A.weight` / `lora_B.weight` (Linear, Conv1D), `lora_embedding_A` / `lora_embedding_B`
/// (Embedding), and whole tensors, which replace the base tensor of the same name:
/// `modules_to_save` copies (`lm_head.weight`), trained biases, and the `base_layer` weights
/// PEFT saves with an embedding LoRA (`embed_tokens.base_layer.weight` → `embed_tokens.weight`).
public final class LoRAAdapter: Sendable {
    public let directory: String
    public let configFile: String
    public let weightsFile: String
    public let config: LoRAConfig
    /// The adapted layers, by module name.
    public let modules: [LoRAModule]
    /// Tensors that replace base tensors whole, by base tensor name.
    public let replacements: [(baseTensor: String, source: any TensorSource)]

    public static let configFileName = "adapter_config.json"
    /// The weight files looked for, in order of preference.
    public static let weightFileNames = ["adapter_model.safetensors", "adapter_model.bin"]
    static let namePrefix = "base_model.model."

    /// The adapter's own files as opened: adapter_config.json, then the weights.
    public let weightFiles: [WeightFile]

    /// The files the adapted weights depend on.
    public var files: [String] { [configFile, weightsFile] }

    public init(directory: String) throws(LoRAAdapterError) {
        let configFile = CheckpointWeights.join(directory, Self.configFileName)
        guard CheckpointWeights.exists(configFile) else {
            throw LoRAAdapterError(file: directory, kind: .missingConfig)
        }
        let (config, configMapping) = try LoRAConfig.load(path: configFile)
        guard let weightsName = Self.weightFileNames.first(where: { CheckpointWeights.exists(CheckpointWeights.join(directory, $0)) }) else {
            throw LoRAAdapterError(file: directory, kind: .missingWeights)
        }
        let weightsFile = CheckpointWeights.join(directory, weightsName)
        let opened: (file: WeightFile, tensors: [any TensorSource])
        do {
            opened = try CheckpointWeights.open(weightsFile)
        } catch {
            throw LoRAAdapterError(file: weightsFile, kind: .unreadableWeights(error.description))
        }
        let (modules, replacements) = try Self.modules(of: opened.tensors, config: config, configFile: configFile, weightsFile: weightsFile)
        self.directory = directory
        self.configFile = configFile
        self.weightsFile = weightsFile
        self.config = config
        self.modules = modules
        self.replacements = replacements
        self.weightFiles = [WeightFile(storage: .whole(configMapping)), opened.file]
    }

    private enum Part {
        case a, b
    }

    /// What a saved tensor name means: a factor of a module, or a base tensor it replaces.
    private enum Role {
        case factor(module: String, part: Part, embedding: Bool)
        case replacement(baseTensor: String)
    }

    private static let factorSuffixes: [(suffix: String, part: Part, embedding: Bool)] = [
        (".lora_A.weight", .a, false), (".lora_B.weight", .b, false),
        (".lora_embedding_A", .a, true), (".lora_embedding_B", .b, true),
        (".lora_embedding_A.weight", .a, true), (".lora_embedding_B.weight", .b, true),
    ]

    private static func role(of name: String, weightsFile: String) throws(LoRAAdapterError) -> Role {
        guard name.hasPrefix(namePrefix) else {
            throw LoRAAdapterError(file: weightsFile, tensor: name, kind: .notAPEFTName)
        }
        let rest = String(name.dropFirst(namePrefix.count))
        for entry in factorSuffixes where rest.hasSuffix(entry.suffix) {
            return .factor(module: String(rest.dropLast(entry.suffix.count)), part: entry.part, embedding: entry.embedding)
        }
        let components = rest.split(separator: ".", omittingEmptySubsequences: false)
        if let part = components.first(where: { $0.hasPrefix("lora_") }) {
            if part == "lora_magnitude_vector" {
                throw LoRAAdapterError(file: weightsFile, tensor: name, kind: .unsupportedFeature("DoRA (lora_magnitude_vector)"))
            }
            throw LoRAAdapterError(file: weightsFile, tensor: name, kind: .unsupportedTensor(String(part)))
        }
        return .replacement(baseTensor: components.filter { $0 != "base_layer" }.joined(separator: "."))
    }

    private static func modules(
        of tensors: [any TensorSource], config: LoRAConfig, configFile: String, weightsFile: String
    ) throws(LoRAAdapterError) -> ([LoRAModule], [(baseTensor: String, source: any TensorSource)]) {
        var factors: [ByteString: (a: (any TensorSource)?, b: (any TensorSource)?, embedding: Bool)] = [:]
        var replacements: [(baseTensor: String, source: any TensorSource)] = []
        for tensor in tensors {
            switch try role(of: tensor.name, weightsFile: weightsFile) {
            case .replacement(let baseTensor):
                replacements.append((baseTensor, tensor))
            case .factor(let module, let part, let embedding):
                var entry = factors[ByteString(module)] ?? (nil, nil, embedding)
                switch part {
                case .a: entry.a = tensor
                case .b: entry.b = tensor
                }
                factors[ByteString(module)] = entry
            }
        }

        var modules: [LoRAModule] = []
        for key in factors.keys.sorted() {
            let name = key.string
            guard let entry = factors[key] else { continue }
            guard let a = entry.a else {
                throw LoRAAdapterError(file: weightsFile, tensor: entry.b?.name, kind: .missingPartner(module: name, missing: "lora_A"))
            }
            guard let b = entry.b else {
                throw LoRAAdapterError(file: weightsFile, tensor: a.name, kind: .missingPartner(module: name, missing: "lora_B"))
            }
            for factor in [a, b] {
                guard factor.shape.count == 2 else {
                    throw LoRAAdapterError(file: weightsFile, tensor: factor.name, kind: .notAMatrix(shape: factor.shape))
                }
                guard factor.dtype.isMergeable else {
                    throw LoRAAdapterError(file: weightsFile, tensor: factor.name, kind: .notMergeable(dtype: factor.dtype.torchName))
                }
            }
            let rank = a.shape[0]
            guard rank > 0, b.shape[1] == rank else {
                throw LoRAAdapterError(file: weightsFile, tensor: b.name, kind: .rankMismatch(a: a.shape, b: b.shape))
            }
            guard try config.targets(name, file: configFile) else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: a.name,
                    kind: .notTargeted(module: name, targetModules: config.targetModulesDescription))
            }
            let configured = try config.hyperparameters(forModule: name, file: configFile)
            guard configured.rank == rank else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: a.name,
                    kind: .configuredRankMismatch(module: name, configured: configured.rank, source: configured.rankSource, found: rank))
            }
            let layout: LoRAModule.Layout = entry.embedding || config.fanInFanOut ? .transposedProduct : .product
            modules.append(LoRAModule(
                name: name, layout: layout, a: a, b: b, rank: rank, alpha: configured.alpha,
                scale: config.scale(rank: rank, alpha: configured.alpha)))
        }
        return (modules, replacements.sorted { $0.baseTensor < $1.baseTensor })
    }

    /// Checks the adapter against `base` (every module and replaced tensor exists with the
    /// shape the adapter needs) and returns the adapted weights: the same names in the same
    /// order, with adapted tensors computed per range and replaced ones read from the adapter.
    public func apply(to base: CheckpointWeights) throws(LoRAAdapterError) -> CheckpointWeights {
        var sources: [ByteString: any TensorSource] = [:]
        for replacement in replacements {
            guard let original = base.tensor(named: replacement.baseTensor) else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: replacement.source.name,
                    kind: .baseTensorMissing(baseTensor: replacement.baseTensor, baseModel: base.directory))
            }
            guard original.shape == replacement.source.shape else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: replacement.source.name,
                    kind: .replacementShapeMismatch(
                        baseTensor: replacement.baseTensor, base: original.shape, replacement: replacement.source.shape))
            }
            guard replacement.source.dtype.isMergeable || !original.dtype.isMergeable else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: replacement.source.name,
                    kind: .notMergeable(dtype: replacement.source.dtype.torchName))
            }
            sources[ByteString(replacement.baseTensor)] = replacement.source
        }
        for module in modules {
            let name = module.baseTensorName
            guard let original = sources[ByteString(name)] ?? base.tensor(named: name) else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: module.a.name, kind: .baseTensorMissing(baseTensor: name, baseModel: base.directory))
            }
            guard original.shape == module.deltaShape else {
                throw LoRAAdapterError(
                    file: weightsFile, tensor: module.a.name,
                    kind: .shapeMismatch(
                        baseTensor: name, base: original.shape, delta: module.deltaShape, layout: module.layout.formula))
            }
            guard original.dtype.isMergeable else {
                throw LoRAAdapterError(file: original.file, tensor: name, kind: .notMergeable(dtype: original.dtype.torchName))
            }
            sources[ByteString(name)] = LoRAAdaptedTensor(base: original, module: module)
        }
        var adapted: [ByteString: any TensorSource] = [:]
        for name in base.tensorNames {
            adapted[ByteString(name)] = sources[ByteString(name)] ?? base.tensor(named: name)
        }
        return base.replacing(weightFiles: base.weightFiles + weightFiles, sources: adapted)
    }
}
