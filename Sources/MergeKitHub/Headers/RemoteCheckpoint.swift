import MergeKitSafetensors

/// A Hub model's checkpoint as the planner needs it, read without its weights: config.json, the
/// shard index and every shard's validated safetensors header with the shard's size. A model
/// that ships only PyTorch `.bin` weights has no headers to read (a pickle cannot be checked
/// from a byte range): its weight files are listed in `pytorchFiles`, for the caller to download
/// before planning.
public struct RemoteCheckpoint: Sendable {
    public let model: ResolvedHubModel
    public let config: JSONValue
    /// nil for a single `model.safetensors`.
    public let index: CheckpointIndex?
    /// In index order (or the single file); empty for PyTorch weights.
    public let shards: [RemoteShard]
    /// The PyTorch weight files (`pytorch_model.bin`, or the index and its shards), when the
    /// model has no safetensors weights; else empty.
    public let pytorchFiles: [String]
    /// Bytes fetched from the network to read the headers (0 when everything was cached).
    public let bytesTransferred: Int

    /// The weights' total size: what `apply` would download.
    public var weightBytes: Int { shards.reduce(0) { $0 + $1.size } + pytorchFiles.reduce(0) { $0 + (model.file($1)?.size ?? 0) } }
}
