import MergeKitSafetensors

/// One safetensors file of a remote checkpoint.
public struct RemoteShard: Sendable {
    /// The file's path in the repository.
    public let file: String
    public let size: Int
    public let header: SafetensorsHeader
    /// The sha256 the Hub announced (LFS files), for lock files.
    public let sha256: String?
}
