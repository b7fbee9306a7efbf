/// Where a tensor goes in the output: its shard and its absolute byte range in that file.
public struct PlacedTensor: Sendable, Equatable {
    public let spec: OutputTensorSpec
    /// Index into `ShardLayout.shards`.
    public let shardIndex: Int
    /// Absolute offset in the shard file (header included).
    public let fileOffset: Int
    public let byteCount: Int

    public init(spec: OutputTensorSpec, shardIndex: Int, fileOffset: Int, byteCount: Int) {
        self.spec = spec
        self.shardIndex = shardIndex
        self.fileOffset = fileOffset
        self.byteCount = byteCount
    }

    /// The absolute byte range in the shard file.
    public var fileRange: Range<Int> { fileOffset..<(fileOffset + byteCount) }
}
