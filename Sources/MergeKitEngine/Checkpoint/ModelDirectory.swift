import Foundation
public import MergeKitSafetensors

/// A Hugging Face model directory: `config.json` plus `model.safetensors`, or sharded
/// `model-*.safetensors` with `model.safetensors.index.json`. Opening it reads every header (and
/// nothing else): tensor data is touched only through the memory maps, when a tensor is merged.
public final class ModelDirectory: Sendable {
    /// The directory, as resolved on disk.
    public let path: String
    public let config: JSONValue
    public let files: [SafetensorsFile]
    /// Tensor names in file order (shard order, then offset order).
    public let tensorNames: [String]
    private let locations: [String: (file: Int, info: TensorInfo)]

    public static let configFileName = "config.json"
    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"

    public init(path: String) throws(CheckpointError) {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError(file: path, "not a model directory")
        }
        config = try Self.readConfig(in: path)

        let indexPath = Self.join(path, Self.indexFileName)
        let singlePath = Self.join(path, Self.singleFileName)
        var files: [SafetensorsFile] = []
        var names: [String] = []
        var locations: [String: (file: Int, info: TensorInfo)] = [:]
        do {
            if FileManager.default.fileExists(atPath: indexPath) {
                let index = try CheckpointIndex.load(path: indexPath)
                for shard in index.shardFiles {
                    let shardPath = Self.join(path, shard)
                    guard FileManager.default.fileExists(atPath: shardPath) else {
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
            } else if FileManager.default.fileExists(atPath: singlePath) {
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
            throw CheckpointError(file: error.file, Self.withoutFilePrefix(error))
        } catch {
            throw CheckpointError(file: path, "\(error)")
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

    private static func readConfig(in path: String) throws(CheckpointError) -> JSONValue {
        let configPath = join(path, configFileName)
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw CheckpointError(file: configPath, "is missing (every model directory needs a config.json)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw CheckpointError(file: configPath, "is not valid JSON: \(error)")
        }
        guard value.objectValue != nil else {
            throw CheckpointError(file: configPath, "must hold a JSON object")
        }
        return value
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func withoutFilePrefix(_ error: SafetensorsError) -> String {
        let text = error.description
        let prefix = error.file + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
