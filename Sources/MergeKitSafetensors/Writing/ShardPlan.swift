/// One output file, fully laid out before anything is written.
public struct ShardPlan: Sendable {
    /// `model.safetensors` or `model-0000k-of-0000N.safetensors`.
    public let fileName: String
    /// The 8-byte little-endian header length N, then N bytes of compact JSON padded with spaces
    /// so the data section starts at a multiple of 8.
    public let headerBytes: [UInt8]
    /// The tensors in offset order.
    public let tensors: [PlacedTensor]
    /// Header plus data, in bytes.
    public let fileSize: Int

    /// The bytes after the header.
    public var dataByteCount: Int { fileSize - headerBytes.count }
}
