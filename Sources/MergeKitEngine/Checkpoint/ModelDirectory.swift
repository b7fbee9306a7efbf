import Glibc
public import MergeKitSafetensors

/// A Hugging Face model directory: `config.json` plus `model.safetensors`, or sharded
/// `model-*.safetensors` with `model.safetensors.index.json`. Opening it reads every header (and
/// nothing else): tensor data is touched only through the memory maps, when a tensor is merged.
/// Every file it reads must be a regular file (symbolic links are followed; a FIFO or a device
/// is refused, naming it, instead of blocking or reading forever); its side files are checked
/// too (see `SideFile`).
public final class ModelDirectory: Sendable {
    /// The directory, as resolved on disk.
    public let path: String
    public let config: JSONValue
    public let files: [SafetensorsFile]
    /// The shard index, or nil for a single `model.safetensors`.
    public let index: CheckpointIndex?
    /// Tensor names in file order (shard order, then offset order).
    public let tensorNames: [String]
    /// Tokenizer files to copy when this model is the tokenizer source.
    public let sideFiles: [SideFile]
    /// config.json's vocabulary size (`vocab_size` or the architecture's key), nil when absent.
    public let vocabularySize: Int?
    /// config.json's hidden size (`hidden_size`, `n_embd`, ...), nil when absent.
    public let hiddenSize: Int?
    /// `generation_config.json`, copied when this model is the base (else the first model).
    public let generationConfig: SideFile?
    private let locations: [String: (file: Int, info: TensorInfo)]

    public static let configFileName = "config.json"
    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"

    public convenience init(path: String) throws(CheckpointError) {
        guard case .success(let status) = FileStatus.of(path), status.kind == .directory else {
            throw CheckpointError(file: path, "not a model directory")
        }
        let config = try Self.readConfig(in: path)
        let indexPath = Self.join(path, Self.indexFileName)
        let singlePath = Self.join(path, Self.singleFileName)
        var files: [SafetensorsFile] = []
        var index: CheckpointIndex?
        do {
            if Self.exists(indexPath) {
                let loaded = try CheckpointIndex.load(path: indexPath)
                for shard in loaded.shardFiles {
                    let shardPath = Self.join(path, shard)
                    guard Self.exists(shardPath) else {
                        throw CheckpointError(file: indexPath, "names shard '\(shard)', which does not exist in \(path)")
                    }
                    files.append(try SafetensorsFile(path: shardPath))
                }
                index = loaded
            } else if Self.exists(singlePath) {
                files.append(try SafetensorsFile(path: singlePath))
            } else {
                throw CheckpointError(
                    file: path, "has no \(Self.singleFileName) and no \(Self.indexFileName)")
            }
        } catch let error as CheckpointError {
            throw error
        } catch let error as SafetensorsError {
            throw CheckpointError(file: error.file, underlying: error)
        } catch {
            throw CheckpointError(file: path, "cannot be read", underlying: error)
        }
        try self.init(path: path, config: config, files: files, index: index)
    }

    /// One safetensors file of a model known by its headers: its name in the model folder, and
    /// its validated header.
    public struct ShardDescription: Sendable {
        public var file: String
        public var header: SafetensorsHeader

        public init(file: String, header: SafetensorsHeader) {
            self.file = file
            self.header = header
        }
    }

    /// A model known by its headers (a Hub model read with range requests): `config`, the
    /// `index` (nil for a single `model.safetensors`) and every shard's header, as read
    /// elsewhere. The shards already present under `path` are mapped; the others are known by
    /// their header only (see `SafetensorsFile.isMapped`), enough to plan, check and show a
    /// merge, not to run it. The side files are those present under `path`.
    public convenience init(path: String, config: JSONValue, index: CheckpointIndex?, shards: [ShardDescription]) throws(CheckpointError) {
        guard config.objectValue != nil else {
            throw CheckpointError(file: Self.join(path, Self.configFileName), "must hold a JSON object")
        }
        var files: [SafetensorsFile] = []
        for shard in shards {
            let shardPath = Self.join(path, shard.file)
            if case .success(let status) = FileStatus.of(shardPath), status.kind == .regular {
                do {
                    files.append(try SafetensorsFile(path: shardPath))
                } catch {
                    throw CheckpointError(file: error.file, underlying: error)
                }
            } else {
                files.append(SafetensorsFile(path: shardPath, header: shard.header))
            }
        }
        if let index, index.shardFiles != shards.map(\.file) {
            throw CheckpointError(file: Self.join(path, Self.indexFileName), "names shards \(index.shardFiles), but their headers were read for \(shards.map(\.file))")
        }
        try self.init(path: path, config: config, files: files, index: index)
    }

    /// Finds the side files and locates every tensor: through the index's weight map, or in the
    /// single file.
    private init(path: String, config: JSONValue, files: [SafetensorsFile], index: CheckpointIndex?) throws(CheckpointError) {
        var names: [String] = []
        var locations: [String: (file: Int, info: TensorInfo)] = [:]
        if let index {
            let indexPath = Self.join(path, Self.indexFileName)
            let shardNumber = Dictionary(uniqueKeysWithValues: index.shardFiles.enumerated().map { ($1, $0) })
            for entry in index.weightMap {
                guard let fileIndex = shardNumber[entry.shard], fileIndex < files.count,
                      let info = files[fileIndex].tensor(named: entry.tensor) else {
                    throw CheckpointError(
                        file: indexPath, "maps tensor '\(entry.tensor)' to '\(entry.shard)', which does not contain it")
                }
                names.append(entry.tensor)
                locations[entry.tensor] = (fileIndex, info)
            }
            // The index is the map; keep file order (shard, then offset) for the output order.
            names.sort { lhs, rhs in
                let l = locations[lhs].map { ($0.file, $0.info.byteRange.lowerBound) } ?? (0, 0)
                let r = locations[rhs].map { ($0.file, $0.info.byteRange.lowerBound) } ?? (0, 0)
                return l < r
            }
        } else if let file = files.first {
            for info in file.header.tensors {
                names.append(info.name)
                locations[info.name] = (0, info)
            }
        }
        self.path = path
        self.config = config
        sideFiles = try SideFile.find(in: path)
        vocabularySize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.vocabularySizeKeys, in: config)?.value
        hiddenSize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.hiddenSizeKeys, in: config)?.value
        generationConfig = try SideFile.find(in: path, names: [SideFile.generationConfigName]).first
        self.files = files
        self.index = index
        self.tensorNames = names
        self.locations = locations
    }

    public func tensor(named name: String) -> (file: SafetensorsFile, info: TensorInfo)? {
        guard let found = locations[name] else { return nil }
        return (files[found.file], found.info)
    }

    /// The number of transformer layers from config.json (`num_hidden_layers`, or the GPT-2 /
    /// MPT spellings), or nil when the config does not say.
    public var configLayerCount: Int? {
        for key in Self.layerCountKeys {
            if let value = config[key]?.intValue { return value }
        }
        return nil
    }

    static let layerCountKeys = ["num_hidden_layers", "n_layer", "num_layers", "n_layers"]

    /// The layer count: config.json's, checked against the layer indices found in tensor names.
    public func layerCount() throws(CheckpointError) -> Int {
        let indices = tensorNames.compactMap { TensorNaming.layerIndex(in: $0)?.index }
        let found = (indices.max() ?? -1) + 1
        guard let declared = configLayerCount else {
            if found > 0 { return found }
            throw CheckpointError(file: Self.join(path, Self.configFileName),
                                  "does not give the layer count (num_hidden_layers)")
        }
        guard declared == found else {
            throw CheckpointError(
                file: Self.join(path, Self.configFileName),
                "says num_hidden_layers = \(declared), but the weights hold \(found) layers")
        }
        return declared
    }

    /// Every file this model is read from: config.json, the index, the shards, the side files.
    public var inputFiles: [String] {
        let indexPath = Self.join(path, Self.indexFileName)
        return [Self.join(path, Self.configFileName)] + (index != nil ? [indexPath] : [])
            + files.map(\.path) + sideFiles.map(\.source) + [generationConfig?.source].compactMap { $0 }
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

    /// Whether `path` exists as an entry (a dangling symbolic link exists too, so it is
    /// reported when opened rather than taken for a missing file).
    static func exists(_ path: String) -> Bool {
        if case .success = FileStatus.of(path, followingLinks: false) { return true }
        return false
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
