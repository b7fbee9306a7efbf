public import MergeKitCheckpoint
public import MergeKitSafetensors

/// A Hub repository brought into the Hugging Face cache before planning: its snapshot folder,
/// and what is known of its weights there.
public struct HubModel: Sendable {
    public enum Contents: Sendable {
        /// Known by config.json, the index (nil for a single `model.safetensors`) and every
        /// shard's header, read with range requests: shards not in the folder are not mapped.
        case headers(config: JSONValue, index: CheckpointIndex?, shards: [CheckpointWeights.ShardHeader])
        /// Every file the planner reads is in the folder (a LoRA adapter, fetched whole; PyTorch
        /// `.bin` weights, downloaded before planning): it is opened as a local directory.
        case files
    }

    /// `snapshots/<commit>` in the cache.
    public var folder: String
    public var contents: Contents

    public init(folder: String, contents: Contents) {
        self.folder = folder
        self.contents = contents
    }

    /// The model, with the LoRA adapter directory `adapterPath` applied when there is one.
    public func open(adapter adapterPath: String?) throws(CheckpointError) -> ModelDirectory {
        switch contents {
        case .headers(let config, let index, let shards):
            return try ModelDirectory(path: folder, config: config, index: index, shards: shards, adapter: adapterPath)
        case .files:
            return try ModelDirectory(path: folder, adapter: adapterPath)
        }
    }
}
