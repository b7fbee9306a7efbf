import Glibc
public import MergeKitCheckpoint
public import MergeKitSafetensors
import MergeKitTokenizer

/// A Hugging Face model directory: `config.json` plus its weights in any layout
/// `CheckpointWeights` reads (safetensors or PyTorch `.bin`, single or sharded), optionally with
/// a PEFT LoRA adapter applied on the fly (`model+adapter`: the adapted tensors are computed per
/// chunk, the config and tokenizer are the base's). Opening it reads every header, pickle and
/// adapter config (and nothing else): tensor data is touched only through the memory maps, when
/// a tensor is merged. Every file it reads must be a regular file (symbolic links are followed;
/// a FIFO or a device is refused, naming it, instead of blocking or reading forever); its side
/// files are checked too (see `SideFile`).
public final class ModelDirectory: Sendable {
    /// The directory, as resolved on disk.
    public let path: String
    public let config: JSONValue
    /// The tensors, the adapter's applied when there is one.
    public let weights: CheckpointWeights
    /// The LoRA adapter applied to the weights (`model+adapter`), if any.
    public let adapter: LoRAAdapter?
    /// Tokenizer files to copy when this model is the tokenizer source.
    public let sideFiles: [SideFile]
    /// Where its tokenizer is read from: its folder; for a stage, the folder of the model whose
    /// tokenizer files it copies, or the files it builds (in memory); nil for a stage that
    /// writes no tokenizer.
    public let tokenizerLocation: TokenizerLocation?
    /// Its layer stacks, where every other tensor sits, its tied head and per-layer config
    /// facts, from config.json and the tensor names.
    public let modelDescription: ModelDescription
    /// config.json's vocabulary size (`vocab_size` or the architecture's key), nil when absent.
    public let vocabularySize: Int?
    /// config.json's hidden size (`hidden_size`, `n_embd`, ...), nil when absent.
    public let hiddenSize: Int?
    /// `generation_config.json`, copied when this model is the base (else the first model).
    public let generationConfig: SideFile?
    /// Base tensors the adapter replaces whole (modules_to_save, trained biases).
    private let replacedTensorNames: Set<ByteString>
    /// The stage's name when this is a named stage of a multi-stage recipe (its tensors are
    /// computed by the stage's jobs, nothing is on disk); nil for a directory.
    public let stage: String?
    /// A stage's input models: the files it is computed from are theirs.
    private let stageModels: [ModelDirectory]

    public static let configFileName = "config.json"
    public static let singleFileName = CheckpointWeights.safetensorsFileName
    public static let indexFileName = CheckpointWeights.safetensorsIndexFileName

    /// Opens the model directory `path`, with the LoRA adapter directory `adapterPath` applied,
    /// and checks what every input needs (see the shared initialiser).
    public convenience init(path: String, adapter adapterPath: String? = nil) throws(CheckpointError) {
        guard case .success(let status) = FileStatus.of(path), status.kind == .directory else {
            throw CheckpointError(file: path, "not a model directory")
        }
        let config = try Self.readConfig(in: path)
        let weights = try Self.describing(path) { () throws(CheckpointWeightsError) in try CheckpointWeights(directory: path) }
        try self.init(path: path, config: config, weights: weights, adapter: adapterPath)
    }

    /// A model known by its headers (a Hub model read with range requests): `config`, the
    /// `index` (nil for a single `model.safetensors`) and every shard's header, as read
    /// elsewhere. The shards already present under `path` are mapped; the others are known by
    /// their header only (see `WeightFile.isMapped`), enough to plan, check and show a merge,
    /// not to run it. The side files are those present under `path`; the adapter, when there is
    /// one, is a local directory (a Hub adapter is small and fetched whole).
    public convenience init(
        path: String, config: JSONValue, index: CheckpointIndex?, shards: [CheckpointWeights.ShardHeader], adapter adapterPath: String? = nil
    ) throws(CheckpointError) {
        guard config.objectValue != nil else {
            throw CheckpointError(file: Self.join(path, Self.configFileName), "must hold a JSON object")
        }
        let weights = try Self.describing(path) { () throws(CheckpointWeightsError) in
            try CheckpointWeights(directory: path, index: index, shards: shards)
        }
        try self.init(path: path, config: config, weights: weights, adapter: adapterPath)
    }

    /// Finds the side files and applies the adapter at `adapterPath`, if any, to `base`, and
    /// checks what every input needs: its files are readable and consistent and it holds at
    /// least one tensor. Its layer stacks are checked by `layerCount()`, which the planner asks
    /// of every model it merges (`ModelCatalog`).
    private init(path: String, config: JSONValue, weights base: CheckpointWeights, adapter adapterPath: String?) throws(CheckpointError) {
        self.path = path
        stage = nil
        stageModels = []
        self.config = config
        sideFiles = try SideFile.find(in: path)
        tokenizerLocation = .directory(path)
        vocabularySize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.vocabularySizeKeys, in: config)?.value
        hiddenSize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.hiddenSizeKeys, in: config)?.value
        generationConfig = try SideFile.find(in: path, names: [SideFile.generationConfigName]).first
        guard !base.tensorNames.isEmpty else {
            throw CheckpointError(file: Self.join(path, base.layoutFileName), "holds no tensors; a model needs its weights")
        }
        // An adapter changes values, not names: the description is the base's.
        modelDescription = ModelDescription(config: config, tensorNames: base.tensorNames)
        guard let adapterPath else {
            weights = base
            adapter = nil
            replacedTensorNames = []
            return
        }
        guard case .success(let adapterStatus) = FileStatus.of(adapterPath), adapterStatus.kind == .directory else {
            throw CheckpointError(file: adapterPath, "not a LoRA adapter directory (one with adapter_config.json and adapter_model.safetensors)")
        }
        do {
            let adapter = try LoRAAdapter(directory: adapterPath)
            weights = try adapter.apply(to: base)
            self.adapter = adapter
            replacedTensorNames = Set(adapter.replacements.map { ByteString($0.baseTensor) })
        } catch {
            throw CheckpointError(file: error.file, underlying: error)
        }
    }

    /// The named stage `name` as a later stage reads it: its output tensors (`StageTensor`s of
    /// its plan's jobs), its output config.json, and the tokenizer and generation_config.json
    /// files it would have been written with: a copied tokenizer is the copied model's files, a
    /// built or re-templated one is made here, in memory, as the stage would write it.
    init(stage name: String, plan: MergePlan) throws(TokenizerError) {
        path = name
        stage = name
        stageModels = plan.models
        config = plan.outputConfig
        vocabularySize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.vocabularySizeKeys, in: config)?.value
        hiddenSize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.hiddenSizeKeys, in: config)?.value
        switch plan.tokenizer {
        case .copied(let model):
            sideFiles = plan.models[model].sideFiles
            tokenizerLocation = plan.models[model].tokenizerLocation
        case .built, .retemplated:
            sideFiles = []
            tokenizerLocation = try plan.tokenizer.files().map { .stage(name: name, files: $0) }
        case .none:
            sideFiles = []
            tokenizerLocation = nil
        }
        generationConfig = plan.models[plan.configModelIndex].generationConfig
        var sources: [ByteString: any TensorSource] = [:]
        for job in plan.jobs { sources[ByteString(job.outputName)] = StageTensor(stage: name, job: job) }
        var seen = Set<String>()
        let files = plan.models.flatMap(\.weights.weightFiles).filter { seen.insert($0.path).inserted }
        weights = CheckpointWeights(computed: name, tensorNames: plan.jobs.map(\.outputName), sources: sources, weightFiles: files)
        // Described as mergekit-multi's written stage would be: its config.json and tensor names.
        modelDescription = ModelDescription(config: config, tensorNames: weights.tensorNames)
        adapter = nil
        replacedTensorNames = []
    }

    /// The weights `open` opens, a failure said as a model directory's problem.
    private static func describing(
        _ path: String, _ open: () throws(CheckpointWeightsError) -> CheckpointWeights
    ) throws(CheckpointError) -> CheckpointWeights {
        do {
            return try open()
        } catch {
            switch error {
            case .safetensors(let cause):
                throw CheckpointError(file: cause.file, underlying: cause)
            case .pytorch(let cause):
                throw CheckpointError(file: cause.file, underlying: cause)
            case .noWeights:
                let names = CheckpointWeights.weightFileNames
                throw CheckpointError(
                    file: path, "has no \(names.dropLast().joined(separator: ", ")) or \(names[names.count - 1])")
            case .missingShard(let index, let shard):
                throw CheckpointError(file: index, "names shard '\(shard)', which does not exist in \(path)")
            case .tensorNotInShard(let index, let tensor, let shard):
                throw CheckpointError(file: index, "maps tensor '\(tensor)' to '\(shard)', which does not contain it")
            case .shardsNotInIndex(let index, let shards):
                throw CheckpointError(file: index, "does not name the shards whose headers were read (\(shards.joined(separator: ", ")))")
            }
        }
    }

    /// Tensor names in file order (shard order, then position in the shard).
    public var tensorNames: [String] { weights.tensorNames }

    /// The tensor whose name has exactly these bytes.
    public func tensor(named name: String) -> (any TensorSource)? {
        weights.tensor(named: name)
    }

    /// Whether the tensor `name` is read whole from the adapter rather than from the base.
    public func isReplacedByAdapter(_ name: String) -> Bool {
        replacedTensorNames.contains(ByteString(name))
    }

    /// Whether it has tokenizer files to give the output: files in its folder, or a stage's built ones.
    public var hasTokenizerFiles: Bool {
        !sideFiles.isEmpty || tokenizerLocation?.builtFiles != nil
    }

    /// Its tokenizer (see `tokenizerLocation`); nil when it has no tokenizer.json.
    func readTokenizer() throws(TokenizerError) -> ModelTokenizer? {
        try tokenizerLocation?.read()
    }

    /// The adapter directory, if any.
    public var adapterPath: String? { adapter?.directory }

    /// The number of layers of the text stack (the one slices apply to): its count key in
    /// config.json, which must agree with the tensor names (see `StackFinder`).
    public func layerCount() throws(CheckpointError) -> Int {
        guard let stack = modelDescription.textStack else {
            throw CheckpointError(
                file: Self.join(path, Self.configFileName), modelDescription.problem ?? "does not say how many layers the model has")
        }
        return stack.count
    }

    /// Every file this model is read from: config.json, the index, the weight files (with the
    /// adapter's), the side files.
    public var inputFiles: [String] {
        guard stage == nil else { return stageModels.flatMap(\.inputFiles) }
        let index = weights.indexFileName.map { [Self.join(path, $0)] } ?? []
        return [Self.join(path, Self.configFileName)] + index + weights.files + sideFiles.map(\.source)
            + [generationConfig?.source].compactMap { $0 }
    }

    /// The directories this model is read from: the model's, and the adapter's.
    public var inputDirectories: [String] {
        guard stage == nil else { return stageModels.flatMap(\.inputDirectories) }
        return [path] + (adapterPath.map { [$0] } ?? [])
    }

    private static func readConfig(in path: String) throws(CheckpointError) -> JSONValue {
        let configPath = join(path, configFileName)
        let value: JSONValue
        do {
            let file = try MappedFile(path: configPath)
            value = try file.withBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch let error as SafetensorsError {
            if case .cannotOpen(let cause) = error.kind, cause.code == ENOENT {
                throw CheckpointError(file: configPath, "is missing (every model directory needs a config.json)")
            }
            throw CheckpointError(file: configPath, underlying: error)
        } catch {
            throw CheckpointError(file: configPath, "is not valid JSON", underlying: error)
        }
        guard value.objectValue != nil else {
            throw CheckpointError(file: configPath, "must hold a JSON object")
        }
        return value
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
