public import MergeKitSafetensors

/// The weights of a model directory cannot be opened: a broken file (its own error, which
/// names the file and tensor), or a directory layout that does not add up.
public enum CheckpointWeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    case safetensors(SafetensorsError)
    case pytorch(PyTorchCheckpointError)
    /// The directory has none of the weight files a Hugging Face model has.
    case noWeights(directory: String)
    /// The index names a shard file that does not exist.
    case missingShard(index: String, shard: String)
    /// The index maps a tensor to a shard that does not contain it.
    case tensorNotInShard(index: String, tensor: String, shard: String)
    /// Shard headers read for other files than the index names (a Hub model read remotely).
    case shardsNotInIndex(index: String, shards: [String])

    /// The file to blame.
    public var file: String {
        switch self {
        case .safetensors(let error): return error.file
        case .pytorch(let error): return error.file
        case .noWeights(let directory): return directory
        case .missingShard(let index, _), .tensorNotInShard(let index, _, _), .shardsNotInIndex(let index, _): return index
        }
    }

    public var description: String {
        switch self {
        case .safetensors(let error):
            return error.description
        case .pytorch(let error):
            return error.description
        case .noWeights(let directory):
            let names = CheckpointWeights.weightFileNames.joined(separator: ", ")
            return "\(directory): no weights (looked for \(names))"
        case .missingShard(let index, let shard):
            return "\(index): names shard '\(shard)', which does not exist"
        case .tensorNotInShard(let index, let tensor, let shard):
            return "\(index): maps tensor '\(tensor)' to '\(shard)', which does not contain it"
        case .shardsNotInIndex(let index, let shards):
            return "\(index): does not name the shards whose headers were read (\(shards.joined(separator: ", ")))"
        }
    }
}
