import Foundation
import MergeKitSafetensors

/// Every tensor of a model directory as a `TensorSource`, whatever the format: safetensors
/// (`model.safetensors`, or shards with `model.safetensors.index.json`) or PyTorch zip
/// checkpoints (`pytorch_model.bin`, or shards with `pytorch_model.bin.index.json`), in that
/// order of preference, as transformers prefers them. Opening reads headers and pickles only;
/// tensor bytes stay in the memory maps until a merge reads them.
public struct CheckpointWeights: Sendable {
    /// The directory, as given.
    public let directory: String
    /// Every file the tensors are read from, in order (shards; then an adapter's files).
    public let files: [String]
    /// Tensor names in file order: shard by shard, within a shard by position.
    public let tensorNames: [String]
    private let sources: [String: any TensorSource]

    public static let safetensorsFileName = "model.safetensors"
    public static let safetensorsIndexFileName = "model.safetensors.index.json"
    public static let pytorchFileName = "pytorch_model.bin"
    public static let pytorchIndexFileName = "pytorch_model.bin.index.json"
    /// The weight files looked for, in order of preference.
    public static let weightFileNames = [safetensorsIndexFileName, safetensorsFileName, pytorchIndexFileName, pytorchFileName]

    public func tensor(named name: String) -> (any TensorSource)? {
        sources[name]
    }

    init(directory: String, files: [String], tensorNames: [String], sources: [String: any TensorSource]) {
        self.directory = directory
        self.files = files
        self.tensorNames = tensorNames
        self.sources = sources
    }

    /// Opens the weights of the model directory `directory`.
    public init(directory: String) throws(CheckpointWeightsError) {
        let manager = FileManager.default
        guard let found = Self.weightFileNames.first(where: { manager.fileExists(atPath: Self.join(directory, $0)) }) else {
            throw .noWeights(directory: directory)
        }
        let path = Self.join(directory, found)
        let files: [String]
        var ordered: [any TensorSource] = []
        if found == Self.safetensorsIndexFileName || found == Self.pytorchIndexFileName {
            let index: CheckpointIndex
            do {
                index = try CheckpointIndex.load(path: path)
            } catch {
                throw .safetensors(error)
            }
            files = index.shardFiles.map { Self.join(directory, $0) }
            var byShard: [String: [String: any TensorSource]] = [:]
            var positions: [String: (shard: Int, position: Int)] = [:]
            for (shardNumber, shard) in index.shardFiles.enumerated() {
                let shardPath = Self.join(directory, shard)
                guard manager.fileExists(atPath: shardPath) else { throw .missingShard(index: path, shard: shard) }
                let tensors = try Self.open(shardPath)
                byShard[shard] = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
                for (position, tensor) in tensors.enumerated() {
                    positions[tensor.name] = (shardNumber, position)
                }
            }
            for entry in index.weightMap {
                guard let tensor = byShard[entry.shard]?[entry.tensor] else {
                    throw .tensorNotInShard(index: path, tensor: entry.tensor, shard: entry.shard)
                }
                ordered.append(tensor)
            }
            // The index is the map; the order is the files' (shard, then position in it).
            ordered.sort { lhs, rhs in
                let l = positions[lhs.name].map { ($0.shard, $0.position) } ?? (0, 0)
                let r = positions[rhs.name].map { ($0.shard, $0.position) } ?? (0, 0)
                return l < r
            }
        } else {
            files = [path]
            ordered = try Self.open(path)
        }
        self.init(
            directory: directory, files: files, tensorNames: ordered.map(\.name),
            sources: Dictionary(ordered.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last }))
    }

    /// The tensors of one weight file, in file order: safetensors when the name says so,
    /// otherwise a PyTorch zip checkpoint.
    public static func open(_ path: String) throws(CheckpointWeightsError) -> [any TensorSource] {
        if path.hasSuffix(".safetensors") {
            do {
                let file = try SafetensorsFile(path: path)
                return file.tensors.map { SafetensorsTensor($0, in: file) }
            } catch {
                throw .safetensors(error)
            }
        }
        do {
            return try PyTorchCheckpoint(path: path).tensors
        } catch {
            throw .pytorch(error)
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
