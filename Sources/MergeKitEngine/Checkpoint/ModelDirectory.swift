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
    /// The number of transformer layers, checked when the model was opened (see
    /// `checkedLayerCount`).
    public let layerCount: Int
    /// Tensor names by where they sit (embeddings, each layer, final weights), in file order.
    private let namesByPlacement: [TensorPlacement: [String]]
    /// By name bytes: two names that differ only in Unicode normalisation are two tensors.
    private let locations: [ByteString: (file: Int, info: TensorInfo)]

    public static let configFileName = "config.json"
    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"
    /// More layers than any model has; a larger count in a config is a mistake, not a model.
    public static let maximumLayerCount = 100_000

    /// Opens the model and checks it as every input is checked (a base like any other): its
    /// files are readable and consistent, it holds at least one tensor, and its layer count is
    /// sound (`checkedLayerCount`).
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
        var locations: [ByteString: (file: Int, info: TensorInfo)] = [:]
        let weightsFile: String
        do {
            if Self.exists(indexPath) {
                weightsFile = indexPath
                let index = try CheckpointIndex.load(path: indexPath)
                for shard in index.shardFiles {
                    let shardPath = Self.join(path, shard)
                    guard Self.exists(shardPath) else {
                        throw CheckpointError(file: indexPath, "names shard '\(shard)', which does not exist in \(path)")
                    }
                    files.append(try SafetensorsFile(path: shardPath))
                }
                var shardNumber: [ByteString: Int] = [:]
                for (number, shard) in index.shardFiles.enumerated() { shardNumber[ByteString(shard)] = number }
                for entry in index.weightMap {
                    guard let fileIndex = shardNumber[ByteString(entry.shard)],
                          let info = files[fileIndex].tensor(named: entry.tensor) else {
                        throw CheckpointError(
                            file: indexPath, "maps tensor '\(entry.tensor)' to '\(entry.shard)', which does not contain it")
                    }
                    names.append(entry.tensor)
                    locations[ByteString(entry.tensor)] = (fileIndex, info)
                }
                // The index is the map; keep file order (shard, then offset) for the output order.
                names.sort { lhs, rhs in
                    let l = locations[ByteString(lhs)].map { ($0.file, $0.info.byteRange.lowerBound) } ?? (0, 0)
                    let r = locations[ByteString(rhs)].map { ($0.file, $0.info.byteRange.lowerBound) } ?? (0, 0)
                    return l < r
                }
            } else if Self.exists(singlePath) {
                weightsFile = singlePath
                let file = try SafetensorsFile(path: singlePath)
                files.append(file)
                for info in file.header.tensors {
                    names.append(info.name)
                    locations[ByteString(info.name)] = (0, info)
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
        guard !names.isEmpty else {
            throw CheckpointError(file: weightsFile, "holds no tensors; a model needs its weights")
        }
        var byPlacement: [TensorPlacement: [String]] = [:]
        for name in names { byPlacement[TensorNaming.placement(of: name), default: []].append(name) }
        self.files = files
        self.tensorNames = names
        self.locations = locations
        self.namesByPlacement = byPlacement
        self.layerCount = try Self.checkedLayerCount(
            config: config, configFile: Self.join(path, Self.configFileName), directory: path,
            layersFound: byPlacement.keys.compactMap { if case .layer(let index) = $0 { index } else { nil } })
    }

    /// The tensor whose name has exactly these bytes.
    public func tensor(named name: String) -> (file: SafetensorsFile, info: TensorInfo)? {
        guard let found = locations[ByteString(name)] else { return nil }
        return (files[found.file], found.info)
    }

    /// The names of the tensors at `placement` (before the layers, in one layer, after them),
    /// in file order.
    public func tensorNames(at placement: TensorPlacement) -> [String] {
        namesByPlacement[placement] ?? []
    }

    /// Whether config.json says `tie_word_embeddings: true`, at the top level or in
    /// `text_config` (multimodal models keep the text model's settings there).
    public var declaresTiedEmbeddings: Bool {
        config["tie_word_embeddings"]?.boolValue == true || config["text_config"]?["tie_word_embeddings"]?.boolValue == true
    }

    static let layerCountKeys = ["num_hidden_layers", "n_layer", "num_layers", "n_layers"]

    /// The layer count of a model whose tensor names number the layers `layersFound`. When
    /// config.json gives one (the first of `layerCountKeys` present and not null), it must be
    /// a positive integer up to `maximumLayerCount` and equal the count the names give;
    /// without one the names decide. Either way every layer from 0 to count − 1 must hold a
    /// tensor, so no layer of the output can come out empty.
    static func checkedLayerCount(
        config: JSONValue, configFile: String, directory: String, layersFound: [Int]
    ) throws(CheckpointError) -> Int {
        let found = (layersFound.max() ?? -1) + 1
        let written = layerCountKeys.lazy.compactMap { key in config[key].flatMap { $0.isNull ? nil : (key, $0) } }.first
        let count: Int
        if let (key, value) = written {
            guard let declared = value.intValue, declared > 0, declared <= maximumLayerCount else {
                throw CheckpointError(
                    file: configFile, "\(key) must be a positive integer up to \(maximumLayerCount), found \(value.serialized())")
            }
            guard declared == found else {
                throw CheckpointError(file: configFile, "says \(key) = \(declared), but the weights hold \(found) layers")
            }
            count = declared
        } else {
            guard found > 0 else {
                throw CheckpointError(file: configFile, "does not give the layer count (num_hidden_layers), and no tensor name numbers a layer")
            }
            count = found
        }
        let present = Set(layersFound)
        if let empty = (0..<count).first(where: { !present.contains($0) }) {
            throw CheckpointError(
                file: directory, "holds no tensor of layer \(empty), though its tensor names number layers 0…\(count - 1)")
        }
        return count
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
