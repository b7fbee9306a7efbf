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

    public init(path: String) throws(CheckpointError) {
        self.path = path
        guard case .success(let status) = FileStatus.of(path), status.kind == .directory else {
            throw CheckpointError(file: path, "not a model directory")
        }
        config = try Self.readConfig(in: path)
        sideFiles = try SideFile.find(in: path)
        vocabularySize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.vocabularySizeKeys, in: config)?.value
        hiddenSize = TokenIndexedTensors.firstInteger(TokenIndexedTensors.hiddenSizeKeys, in: config)?.value
        generationConfig = try SideFile.find(in: path, names: [SideFile.generationConfigName]).first

        let indexPath = Self.join(path, Self.indexFileName)
        let singlePath = Self.join(path, Self.singleFileName)
        var files: [SafetensorsFile] = []
        var names: [String] = []
        var locations: [String: (file: Int, info: TensorInfo)] = [:]
        do {
            if Self.exists(indexPath) {
                let index = try CheckpointIndex.load(path: indexPath)
                for shard in index.shardFiles {
                    let shardPath = Self.join(path, shard)
                    guard Self.exists(shardPath) else {
                        throw CheckpointError(file: indexPath, "names shard '\(shard)', which does not exist in \(path)")
                    }
                    files.append(try SafetensorsFile(path: shardPath))
                }
                let shardNumber = Dictionary(uniqueKeysWithValues: index.shardFiles.enumerated().map { ($1, $0) })
                for entry in index.weightMap {
                    guard let fileIndex = shardNumber[entry.shard],
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
            } else if Self.exists(singlePath) {
                let file = try SafetensorsFile(path: singlePath)
                files.append(file)
                for info in file.header.tensors {
                    names.append(info.name)
                    locations[info.name] = (0, info)
                }
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
        self.files = files
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
        let index = Self.join(path, Self.indexFileName)
        return [Self.join(path, Self.configFileName)] + (Self.exists(index) ? [index] : [])
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
