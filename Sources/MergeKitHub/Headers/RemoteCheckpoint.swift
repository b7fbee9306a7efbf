import MergeKitSafetensors

/// A Hub model's checkpoint as the planner needs it, read without its weights: config.json, the
/// shard index and every shard's validated safetensors header with the shard's size.
public struct RemoteCheckpoint: Sendable {
    public let model: ResolvedHubModel
    public let config: JSONValue
    /// nil for a single `model.safetensors`.
    public let index: CheckpointIndex?
    /// In index order (or the single file).
    public let shards: [RemoteShard]
    /// Bytes fetched from the network to read the headers (0 when everything was cached).
    public let bytesTransferred: Int

    /// The weights' total size: what `apply` would download.
    public var weightBytes: Int { shards.reduce(0) { $0 + $1.size } }
}
