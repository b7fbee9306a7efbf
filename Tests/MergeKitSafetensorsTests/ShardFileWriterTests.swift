import Glibc
import MergeKitSafetensors
import MergeKitTensor
import MergeKitTestSupport
import Testing

@Suite("Shard file writer")
struct ShardFileWriterTests {
    /// Distinct bytes per tensor, so a misplaced write cannot go unnoticed.
    static func payload(for placed: PlacedTensor) -> [UInt8] {
        let seed = placed.spec.name.utf8.reduce(UInt8(0)) { $0 &+ $1 }
        return (0..<placed.byteCount).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed }
    }

    @Test("plan → concurrent writes in any order → read back identical")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory()
        let specs = [
            OutputTensorSpec(name: "model.embed_tokens.weight", dtype: .bf16, shape: [7, 5]),
            OutputTensorSpec(name: "model.layers.0.w", dtype: .f32, shape: [3, 3]),
            OutputTensorSpec(name: "model.layers.0.empty", dtype: .f16, shape: [0]),
            OutputTensorSpec(name: "model.layers.1.w", dtype: .f16, shape: [9]),
            OutputTensorSpec(name: "model.norm.weight", dtype: .f64, shape: [5]),
            OutputTensorSpec(name: "lm_head.weight", dtype: .bf16, shape: [7, 5]),
        ]
        // Data bytes 70 | 36, 0, 18 | 40 | 70 under an 80-byte budget.
        let layout = try ShardLayout.plan(specs, maxShardBytes: 80)
        #expect(layout.shards.map { $0.tensors.count } == [1, 3, 1, 1])
        let writers = try layout.shards.map { try ShardFileWriter(path: directory.file($0.fileName), plan: $0) }
        await withTaskGroup(of: Void.self) { group in
            for placed in layout.shards.flatMap(\.tensors).reversed() {
                let writer = writers[placed.shardIndex]
                group.addTask {
                    let bytes = Self.payload(for: placed)
                    bytes.withUnsafeBytes { raw in
                        #expect(throws: Never.self) { try writer.write(raw, at: placed.fileOffset) }
                    }
                }
            }
        }
        for writer in writers { try writer.finish() }

        for shard in layout.shards {
            let file = try SafetensorsFile(path: directory.file(shard.fileName))
            #expect(file.header.metadata == ["format": "pt"])
            #expect(file.header.dataOffset == shard.headerBytes.count)
            #expect(file.tensors.map(\.name) == shard.tensors.map(\.spec.name))
            let whole = try MappedFile(path: file.path).withBytes { Array($0) }
            #expect(whole.count == shard.fileSize)
            #expect(Array(whole.prefix(shard.headerBytes.count)) == shard.headerBytes)
            for placed in shard.tensors {
                let info = try #require(file.tensor(named: placed.spec.name))
                #expect(info.dtype == placed.spec.dtype)
                #expect(info.shape == placed.spec.shape)
                #expect(file.withData(of: info) { Array($0) } == Self.payload(for: placed))
            }
        }
    }

    @Test("a shard without tensors is a valid file")
    func headerOnly() throws {
        let directory = try TemporaryDirectory()
        let layout = try ShardLayout.plan([], maxShardBytes: 100)
        let writer = try ShardFileWriter(path: directory.file("model.safetensors"), plan: layout.shards[0])
        try writer.finish()
        let file = try SafetensorsFile(path: directory.file("model.safetensors"))
        #expect(file.tensors.isEmpty)
        #expect(file.header.metadata == ["format": "pt"])
    }

    @Test("an existing file is never overwritten")
    func refusesExistingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try writeFile([1, 2, 3], to: path)
        let layout = try ShardLayout.plan([], maxShardBytes: 100)
        let error = #expect(throws: SafetensorsError.self) { try ShardFileWriter(path: path, plan: layout.shards[0]) }
        #expect(error?.kind == .cannotOpen(SystemError(call: "open", code: EEXIST)))
        #expect(try MappedFile(path: path).withBytes { Array($0) } == [1, 2, 3])
    }

    @Test("a missing output directory names the path")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent/model.safetensors")
        let layout = try ShardLayout.plan([], maxShardBytes: 100)
        let error = #expect(throws: SafetensorsError.self) { try ShardFileWriter(path: path, plan: layout.shards[0]) }
        #expect(error?.description == "\(path): cannot open: No such file or directory")
    }

    @Test("full-disk and file-size errors say so plainly")
    func writeFailureMessages() {
        let full = SafetensorsError(file: "/out/model.safetensors", kind: .writeFailed(SystemError(call: "pwrite", code: ENOSPC)))
        #expect(full.description == "/out/model.safetensors: no space left on device while writing (pwrite)")
        let big = SafetensorsError(file: "/out/model.safetensors", kind: .writeFailed(SystemError(call: "ftruncate", code: EFBIG)))
        #expect(big.description == "/out/model.safetensors: file too large for the file system while writing (ftruncate)")
        let other = SafetensorsError(file: "/out/x", kind: .writeFailed(SystemError(call: "fsync", code: EIO)))
        #expect(other.description == "/out/x: write failed: fsync: Input/output error (errno 5)")
    }
}
