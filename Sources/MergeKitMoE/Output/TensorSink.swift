import MergeKitEngine
import MergeKitSafetensors

/// Appends a tensor's bytes at consecutive offsets of its shard, checksumming them for the journal.
struct TensorSink {
    let writer: ShardFileWriter
    var offset: Int
    var written = 0
    var checksum = OutputChecksum()

    init(writer: ShardFileWriter, offset: Int) {
        self.writer = writer
        self.offset = offset
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        try writer.write(bytes, at: offset + written)
        checksum.update(bytes)
        written += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}
