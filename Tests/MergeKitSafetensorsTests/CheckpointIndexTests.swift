import Glibc
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

@Suite("Checkpoint index")
struct CheckpointIndexTests {
    private func load(_ json: String) throws -> (CheckpointIndex, String, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors.index.json")
        try writeFile(Array(json.utf8), to: path)
        return (try CheckpointIndex.load(path: path), path, directory)
    }

    private func loadError(_ json: String) throws -> (SafetensorsError?, String) {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors.index.json")
        try writeFile(Array(json.utf8), to: path)
        let error = #expect(throws: SafetensorsError.self) { try CheckpointIndex.load(path: path) }
        return (error, path)
    }

    @Test("weight map in file order; shard files distinct in first-appearance order")
    func reads() throws {
        let (index, _, _) = try load(#"""
            {"metadata": {"total_size": 123, "mergekit_version": "0.1.4"},
             "weight_map": {"z": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors",
                            "m": "model-00002-of-00002.safetensors"}}
            """#)
        #expect(index.weightMap.map(\.tensor) == ["z", "a", "m"])
        #expect(index.weightMap.map(\.shard) == ["model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        #expect(index.shardFiles == ["model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors"])
        #expect(index.metadata?["total_size"]?.intValue == 123)
    }

    @Test("metadata is optional")
    func withoutMetadata() throws {
        let (index, _, _) = try load(#"{"weight_map": {"w": "model.safetensors"}}"#)
        #expect(index.metadata == nil)
        #expect(index.shardFiles == ["model.safetensors"])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let json: String
        let tensor: String?
        let kind: SafetensorsError.Kind
        var testDescription: String { id }
    }

    @Test("malformed indexes are errors naming the file and tensor", arguments: [
        Case(id: "not an object", json: "[]", tensor: nil, kind: .topLevelNotAnObject(found: "an array")),
        Case(id: "unknown key", json: #"{"weight_map": {}, "weights": {}}"#, tensor: nil, kind: .unexpectedField("weights")),
        Case(id: "no weight_map", json: #"{"metadata": {}}"#, tensor: nil, kind: .missingField("weight_map")),
        Case(id: "weight_map not an object", json: #"{"weight_map": []}"#, tensor: nil,
             kind: .invalidFieldType(field: "weight_map", expected: "an object", found: "an array")),
        Case(id: "metadata not an object", json: #"{"metadata": 1, "weight_map": {}}"#, tensor: nil,
             kind: .invalidFieldType(field: "metadata", expected: "an object", found: "a number")),
        Case(id: "shard not a string", json: #"{"weight_map": {"w": 3}}"#, tensor: "w",
             kind: .invalidFieldType(field: "weight_map", expected: "a shard file name (string)", found: "a number")),
        Case(id: "parent directory", json: #"{"weight_map": {"w": "../x.safetensors"}}"#, tensor: "w", kind: .invalidShardName("../x.safetensors")),
        Case(id: "absolute path", json: #"{"weight_map": {"w": "/etc/passwd"}}"#, tensor: "w", kind: .invalidShardName("/etc/passwd")),
        Case(id: "subdirectory", json: #"{"weight_map": {"w": "a/b.safetensors"}}"#, tensor: "w", kind: .invalidShardName("a/b.safetensors")),
        Case(id: "dot-dot", json: #"{"weight_map": {"w": ".."}}"#, tensor: "w", kind: .invalidShardName("..")),
        Case(id: "empty name", json: #"{"weight_map": {"w": ""}}"#, tensor: "w", kind: .invalidShardName("")),
        Case(id: "duplicate tensor", json: #"{"weight_map": {"w": "a.safetensors", "w": "b.safetensors"}}"#, tensor: "w", kind: .duplicateTensorName),
        Case(id: "duplicate top-level key", json: #"{"weight_map": {}, "weight_map": {}}"#, tensor: nil,
             kind: .duplicateKey("weight_map", object: "the top-level object")),
        Case(id: "invalid JSON", json: #"{"weight_map": {"w": "a",}}"#, tensor: nil,
             kind: .invalidJSON(JSONParseError(byteOffset: 25, kind: .unexpectedByte(UInt8(ascii: "}"), expected: "a string key")))),
    ])
    func rejects(_ testCase: Case) throws {
        let (error, path) = try loadError(testCase.json)
        #expect(error?.kind == testCase.kind)
        #expect(error?.file == path)
        #expect(error?.tensor == testCase.tensor)
        let prefix = testCase.tensor.map { "\(path): tensor '\($0)': " } ?? "\(path): "
        #expect(error?.description.hasPrefix(prefix) == true)
    }

    @Test func missingIndex() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors.index.json")
        let error = #expect(throws: SafetensorsError.self) { try CheckpointIndex.load(path: path) }
        #expect(error?.kind == .cannotOpen(SystemError(call: "open", code: ENOENT)))
    }
}
