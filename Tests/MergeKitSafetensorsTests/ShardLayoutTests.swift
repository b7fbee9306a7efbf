import MergeKitSafetensors
import MergeKitTensor
import Testing

private func spec(_ name: String, _ dtype: DType, _ shape: [Int]) -> OutputTensorSpec {
    OutputTensorSpec(name: name, dtype: dtype, shape: shape)
}

/// The JSON text of a shard's header, without the length prefix and padding.
private func headerJSON(_ shard: ShardPlan) -> String {
    String(decoding: shard.headerBytes.dropFirst(8), as: UTF8.self).trimmingSuffix(" ")
}

extension String {
    fileprivate func trimmingSuffix(_ character: Character) -> String {
        var result = self
        while result.last == character { result.removeLast() }
        return result
    }
}

@Suite("Shard layout")
struct ShardLayoutTests {
    @Test("one shard: model.safetensors, metadata first, offsets in order, padded header")
    func singleShard() throws {
        let layout = try ShardLayout.plan(
            [spec("a", .f32, [2]), spec("b", .bf16, [3]), spec("c", .f32, [4])], maxShardBytes: 1000)
        let shard = try #require(layout.shards.first)
        #expect(layout.shards.count == 1)
        #expect(shard.fileName == "model.safetensors")
        let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},"c":{"dtype":"F32","shape":[4],"data_offsets":[14,30]}}"#
        #expect(headerJSON(shard) == json)
        #expect(shard.headerBytes.count % 8 == 0)
        #expect(shard.headerBytes.count - 8 - json.utf8.count < 8)
        #expect(shard.headerBytes[(8 + json.utf8.count)...].allSatisfy { $0 == UInt8(ascii: " ") })
        let declared = shard.headerBytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(declared == shard.headerBytes.count - 8)
        #expect(shard.fileSize == shard.headerBytes.count + 30)
        #expect(shard.tensors.map(\.fileOffset) == [0, 8, 14].map { shard.headerBytes.count + $0 })
        #expect(shard.tensors.map(\.byteCount) == [8, 6, 16])
        #expect(layout.totalDataBytes == 30)
        #expect(layout.location(of: "b") == shard.tensors[1])
        #expect(layout.location(of: "nope") == nil)
    }

    @Test("empty metadata is omitted; an empty header is padded to 8 bytes")
    func emptyMetadata() throws {
        let layout = try ShardLayout.plan([], maxShardBytes: 10, metadata: [:])
        #expect(layout.shards.count == 1)
        #expect(layout.shards[0].headerBytes == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        #expect(layout.shards[0].fileSize == 16)
    }

    @Test("metadata keys are sorted")
    func metadataSorted() throws {
        let layout = try ShardLayout.plan([], maxShardBytes: 10, metadata: ["z": "1", "a": "2"])
        #expect(headerJSON(layout.shards[0]) == #"{"__metadata__":{"a":"2","z":"1"}}"#)
    }

    struct SplitCase: Sendable, CustomTestStringConvertible {
        let id: String
        let sizes: [Int]
        let maxShardBytes: Int
        let groups: [[Int]]
        var testDescription: String { id }
    }

    @Test("a shard ends when the next tensor would exceed the limit", arguments: [
        SplitCase(id: "exact fit", sizes: [40, 40, 40, 40], maxShardBytes: 80, groups: [[0, 1], [2, 3]]),
        SplitCase(id: "one byte short", sizes: [40, 40, 40, 40], maxShardBytes: 79, groups: [[0], [1], [2], [3]]),
        SplitCase(id: "uneven", sizes: [40, 40, 40, 40], maxShardBytes: 120, groups: [[0, 1, 2], [3]]),
        SplitCase(id: "everything fits", sizes: [40, 40, 40, 40], maxShardBytes: 160, groups: [[0, 1, 2, 3]]),
        SplitCase(id: "oversized tensor alone", sizes: [10, 10, 200, 10], maxShardBytes: 100, groups: [[0, 1], [2], [3]]),
        SplitCase(id: "oversized first", sizes: [200, 10], maxShardBytes: 100, groups: [[0], [1]]),
        SplitCase(id: "empty tensor joins a full shard", sizes: [60, 0, 40], maxShardBytes: 60, groups: [[0, 1], [2]]),
    ])
    func splits(_ testCase: SplitCase) throws {
        let specs = testCase.sizes.enumerated().map { spec("t\($0.offset)", .u8, [$0.element]) }
        let layout = try ShardLayout.plan(specs, maxShardBytes: testCase.maxShardBytes)
        #expect(layout.shards.map { $0.tensors.map(\.spec.name) } == testCase.groups.map { $0.map { "t\($0)" } })
        let count = testCase.groups.count
        let names = (1...count).map { "model-\(String(repeating: "0", count: 5 - String($0).count))\($0)-of-0000\(count).safetensors" }
        #expect(layout.shards.map(\.fileName) == (count == 1 ? ["model.safetensors"] : names))
        for (index, shard) in layout.shards.enumerated() {
            #expect(shard.tensors.allSatisfy { $0.shardIndex == index })
            var offset = shard.headerBytes.count
            for tensor in shard.tensors {
                #expect(tensor.fileOffset == offset)
                offset += tensor.byteCount
            }
            #expect(shard.fileSize == offset)
        }
        #expect(layout.totalDataBytes == testCase.sizes.reduce(0, +))
    }

    @Test("index JSON: total_size and weight_map sorted by code point, two-space indent")
    func indexJSON() throws {
        let layout = try ShardLayout.plan([spec("z", .f32, [2]), spec("a", .f32, [1]), spec("B", .f32, [1])], maxShardBytes: 8)
        #expect(layout.shards.count == 2)
        let expected = """
            {
              "metadata": {
                "total_size": 16
              },
              "weight_map": {
                "B": "model-00002-of-00002.safetensors",
                "a": "model-00002-of-00002.safetensors",
                "z": "model-00001-of-00002.safetensors"
              }
            }
            """
        #expect(layout.indexJSON() == expected)
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let id: String
        let specs: [OutputTensorSpec]
        let error: ShardLayoutError
        var testDescription: String { id }
    }

    @Test("unplaceable tensors are errors naming the tensor", arguments: [
        InvalidCase(id: "duplicate", specs: [spec("w", .f32, [1]), spec("w", .f32, [1])], error: ShardLayoutError(tensor: "w", kind: .duplicateName)),
        InvalidCase(id: "reserved", specs: [spec("__metadata__", .f32, [1])], error: ShardLayoutError(tensor: "__metadata__", kind: .reservedName)),
        InvalidCase(id: "negative", specs: [spec("w", .f32, [2, -1])], error: ShardLayoutError(tensor: "w", kind: .invalidShape([2, -1]))),
        InvalidCase(id: "element overflow", specs: [spec("w", .f32, [1 << 32, 1 << 32])], error: ShardLayoutError(tensor: "w", kind: .invalidShape([1 << 32, 1 << 32]))),
        InvalidCase(id: "byte overflow", specs: [spec("w", .f64, [1 << 61])], error: ShardLayoutError(tensor: "w", kind: .byteCountOverflow(shape: [1 << 61], dtype: .f64))),
        InvalidCase(id: "total overflow", specs: [spec("a", .u8, [1 << 62]), spec("b", .u8, [1 << 62])], error: ShardLayoutError(tensor: "b", kind: .totalSizeOverflow)),
    ])
    func invalid(_ testCase: InvalidCase) {
        let error = #expect(throws: ShardLayoutError.self) { try ShardLayout.plan(testCase.specs, maxShardBytes: 100) }
        #expect(error == testCase.error)
        #expect(error?.description.hasPrefix("output tensor '\(testCase.error.tensor)': ") == true)
    }
}
