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

/// One safetensors file of a remote checkpoint.
public struct RemoteShard: Sendable {
    /// The file's path in the repository.
    public let file: String
    public let size: Int
    public let header: SafetensorsHeader
    /// The sha256 the Hub announced (LFS files), for lock files.
    public let sha256: String?
}
