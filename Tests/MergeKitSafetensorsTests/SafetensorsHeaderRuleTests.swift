import Glibc
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// One malformed file and the exact error it must produce.
struct HeaderRuleCase: Sendable, CustomTestStringConvertible {
    let id: String
    let bytes: [UInt8]
    let tensor: String?
    let kind: SafetensorsError.Kind

    init(_ id: String, _ raw: RawSafetensors, tensor: String? = nil, _ kind: SafetensorsError.Kind) {
        self.init(id, bytes: raw.bytes, tensor: tensor, kind)
    }

    init(_ id: String, bytes: [UInt8], tensor: String? = nil, _ kind: SafetensorsError.Kind) {
        self.id = id
        self.bytes = bytes
        self.tensor = tensor
        self.kind = kind
    }

    var testDescription: String { id }
}

private func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    RawSafetensors.entry(name, dtype, shape, begin, end)
}

private func header(_ entries: String...) -> String {
    "{" + entries.joined(separator: ",") + "}"
}

private let ruleCases: [HeaderRuleCase] = [
    // Framing
    HeaderRuleCase("file shorter than 8 bytes", bytes: [1, 2, 3], .fileTooSmall(byteCount: 3)),
    HeaderRuleCase("empty file", bytes: [], .fileTooSmall(byteCount: 0)),
    HeaderRuleCase(
        "header length over 100 MB", RawSafetensors(header: "{}", declaredLength: 100_000_001),
        .headerTooLarge(declared: 100_000_001, limit: 100_000_000)),
    HeaderRuleCase(
        "header length UInt64.max", RawSafetensors(header: "{}", declaredLength: .max),
        .headerTooLarge(declared: .max, limit: 100_000_000)),
    HeaderRuleCase(
        "header length past the end of the file", RawSafetensors(header: "{}", declaredLength: 100),
        .headerExceedsFile(declared: 100, fileSize: 10)),
    HeaderRuleCase(
        "header not UTF-8", RawSafetensors(headerBytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]),
        .headerNotUTF8(byteOffset: 2)),
    HeaderRuleCase(
        "header not JSON", RawSafetensors(header: #"{"a": }"#),
        .invalidJSON(JSONParseError(byteOffset: 6, kind: .unexpectedByte(UInt8(ascii: "}"), expected: "a value")))),
    HeaderRuleCase(
        "content after the header object",
        RawSafetensors(header: header(entry("w", "F32", [1], 0, 4)) + ",", dataByteCount: 4),
        .invalidJSON(JSONParseError(byteOffset: 54, kind: .trailingContent))),
    HeaderRuleCase(
        "trailing comma", RawSafetensors(header: "{" + entry("w", "F32", [1], 0, 4) + ",}", dataByteCount: 4),
        .invalidJSON(JSONParseError(byteOffset: 54, kind: .unexpectedByte(UInt8(ascii: "}"), expected: "a string key")))),
    HeaderRuleCase(
        "empty header", RawSafetensors(header: ""),
        .invalidJSON(JSONParseError(byteOffset: 0, kind: .unexpectedEnd))),
    HeaderRuleCase(
        "byte order mark", RawSafetensors(headerBytes: [0xEF, 0xBB, 0xBF, 0x7B, 0x7D]),
        .invalidJSON(JSONParseError(byteOffset: 0, kind: .byteOrderMark))),
    HeaderRuleCase("header is an array", RawSafetensors(header: "[]"), .topLevelNotAnObject(found: "an array")),

    // __metadata__
    HeaderRuleCase(
        "metadata not an object", RawSafetensors(header: #"{"__metadata__":"pt"}"#),
        .metadataNotAnObject(found: "a string")),
    HeaderRuleCase(
        "metadata value not a string", RawSafetensors(header: #"{"__metadata__":{"format":1}}"#),
        .metadataValueNotAString(key: "format", found: "a number")),
    HeaderRuleCase(
        "duplicate metadata key", RawSafetensors(header: #"{"__metadata__":{"format":"pt","format":"pt"}}"#),
        .duplicateKey("format", object: "__metadata__")),

    // Entries
    HeaderRuleCase(
        "duplicate tensor name",
        RawSafetensors(header: header(entry("w", "F32", [1], 0, 4), entry("w", "F32", [1], 4, 8)), dataByteCount: 8),
        tensor: "w", .duplicateTensorName),
    HeaderRuleCase(
        "duplicate key in an entry",
        RawSafetensors(header: #"{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .duplicateKey("dtype", object: "the tensor entry")),
    HeaderRuleCase(
        "entry not an object", RawSafetensors(header: #"{"w":[1]}"#), tensor: "w",
        .tensorEntryNotAnObject(found: "an array")),
    HeaderRuleCase(
        "missing dtype", RawSafetensors(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .missingField("dtype")),
    HeaderRuleCase(
        "missing shape", RawSafetensors(header: #"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .missingField("shape")),
    HeaderRuleCase(
        "missing data_offsets", RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1]}}"#, dataByteCount: 4),
        tensor: "w", .missingField("data_offsets")),
    HeaderRuleCase(
        "unexpected key",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0}}"#, dataByteCount: 4),
        tensor: "w", .unexpectedField("offset")),
    HeaderRuleCase(
        "dtype not a string",
        RawSafetensors(header: #"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .invalidFieldType(field: "dtype", expected: "a string", found: "a number")),
    HeaderRuleCase(
        "unknown dtype", RawSafetensors(header: header(entry("w", "F33", [1], 0, 4)), dataByteCount: 4),
        tensor: "w", .unknownDType("F33")),
    HeaderRuleCase(
        "lower-case dtype", RawSafetensors(header: header(entry("w", "f32", [1], 0, 4)), dataByteCount: 4),
        tensor: "w", .unknownDType("f32")),
    HeaderRuleCase(
        "shape not an array",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":4,"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .invalidFieldType(field: "shape", expected: "an array", found: "a number")),
    HeaderRuleCase(
        "negative dimension", RawSafetensors(header: header(entry("w", "F32", [2, -1], 0, 4)), dataByteCount: 4),
        tensor: "w", .invalidDimension(index: 1, found: "-1")),
    HeaderRuleCase(
        "fractional dimension",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .invalidDimension(index: 0, found: "1.0")),
    HeaderRuleCase(
        "dimension beyond Int",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .invalidDimension(index: 0, found: "18446744073709551616")),
    HeaderRuleCase(
        "string dimension",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,4]}}"#, dataByteCount: 4),
        tensor: "w", .invalidDimension(index: 0, found: #""2""#)),
    HeaderRuleCase(
        "element count overflow",
        RawSafetensors(header: header(entry("w", "F32", [1 << 32, 1 << 32], 0, 4)), dataByteCount: 4),
        tensor: "w", .elementCountOverflow(shape: [1 << 32, 1 << 32])),
    HeaderRuleCase(
        "byte count overflow", RawSafetensors(header: header(entry("w", "F32", [1 << 62], 0, 4)), dataByteCount: 4),
        tensor: "w", .byteCountOverflow(shape: [1 << 62], dtype: .f32)),
    HeaderRuleCase(
        "one data offset",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}"#, dataByteCount: 4),
        tensor: "w", .invalidDataOffsets(found: "[4]")),
    HeaderRuleCase(
        "three data offsets",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, dataByteCount: 4),
        tensor: "w", .invalidDataOffsets(found: "[0,4,8]")),
    HeaderRuleCase(
        "negative data offset", RawSafetensors(header: header(entry("w", "F32", [1], -4, 0)), dataByteCount: 4),
        tensor: "w", .invalidDataOffsets(found: "[-4,0]")),
    HeaderRuleCase(
        "data offsets not an array",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":"0-4"}}"#, dataByteCount: 4),
        tensor: "w", .invalidDataOffsets(found: #""0-4""#)),
    HeaderRuleCase(
        "data offset beyond Int",
        RawSafetensors(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775808]}}"#, dataByteCount: 4),
        tensor: "w", .invalidDataOffsets(found: "[0,9223372036854775808]")),
    HeaderRuleCase(
        "data offsets reversed", RawSafetensors(header: header(entry("w", "F32", [1], 8, 4)), dataByteCount: 8),
        tensor: "w", .offsetsReversed(begin: 8, end: 4)),
    HeaderRuleCase(
        "size does not match shape × dtype",
        RawSafetensors(header: header(entry("w", "BF16", [2, 2], 0, 4)), dataByteCount: 4),
        tensor: "w", .sizeMismatch(begin: 0, end: 4, shape: [2, 2], dtype: .bf16, needed: 8)),

    // Layout of the data section
    HeaderRuleCase(
        "first tensor not at offset 0", RawSafetensors(header: header(entry("w", "F32", [1], 4, 8)), dataByteCount: 8),
        tensor: "w", .gapBeforeTensor(expectedBegin: 0, begin: 4)),
    HeaderRuleCase(
        "hole between tensors",
        RawSafetensors(header: header(entry("a", "F32", [1], 0, 4), entry("b", "F32", [1], 8, 12)), dataByteCount: 12),
        tensor: "b", .gapBeforeTensor(expectedBegin: 4, begin: 8)),
    HeaderRuleCase(
        "overlapping tensors",
        RawSafetensors(header: header(entry("b", "F32", [2], 4, 12), entry("a", "F32", [2], 0, 8)), dataByteCount: 12),
        tensor: "b", .overlapsPrevious(previous: "a", previousEnd: 8, begin: 4)),
    HeaderRuleCase(
        "two tensors sharing bytes",
        RawSafetensors(header: header(entry("a", "F32", [2], 0, 8), entry("b", "F32", [2], 0, 8)), dataByteCount: 16),
        tensor: "b", .overlapsPrevious(previous: "a", previousEnd: 8, begin: 0)),
    HeaderRuleCase(
        "data past the end of the file", RawSafetensors(header: header(entry("w", "F32", [4], 0, 16)), dataByteCount: 12),
        tensor: "w", .dataPastEnd(end: 16, dataSectionSize: 12)),
    HeaderRuleCase(
        "trailing bytes", RawSafetensors(header: header(entry("w", "F32", [2], 0, 8)), dataByteCount: 10),
        .trailingBytes(dataEnd: 8, dataSectionSize: 10)),
    HeaderRuleCase(
        "trailing bytes without tensors", RawSafetensors(header: "{}", dataByteCount: 2),
        .trailingBytes(dataEnd: 0, dataSectionSize: 2)),
]

@Suite("Safetensors header rules")
struct SafetensorsHeaderRuleTests {
    @Test("each rule is enforced with the exact error", arguments: ruleCases)
    func rejects(_ testCase: HeaderRuleCase) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try writeFile(testCase.bytes, to: path)
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
        #expect(error?.kind == testCase.kind)
        #expect(error?.file == path)
        #expect(error?.tensor == testCase.tensor)
        let message = error?.description ?? ""
        #expect(message.hasPrefix("\(path): "))
        if let tensor = testCase.tensor {
            #expect(message.hasPrefix("\(path): tensor '\(tensor)': "))
        }
    }

    @Test("the size-mismatch message names the file, the tensor, the offsets and both sizes")
    func sizeMismatchMessage() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model-00002-of-00004.safetensors")
        let name = "model.layers.3.mlp.up_proj.weight"
        try writeFile(RawSafetensors(header: header(entry(name, "BF16", [64, 32], 0, 2048)), dataByteCount: 2048).bytes, to: path)
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
        #expect(
            error?.description
                == "\(path): tensor '\(name)': data_offsets [0, 2048) hold 2048 bytes; [64, 32] × BF16 needs 4096")
    }

    @Test("the parser works on the bytes alone, with the caller's file name")
    func parsesFromMemory() {
        let bytes = RawSafetensors(header: header(entry("w", "F32", [2], 0, 8)), dataByteCount: 4).bytes
        let error = #expect(throws: SafetensorsError.self) {
            try bytes.withUnsafeBytes { raw in
                Result { () throws(SafetensorsError) in try SafetensorsHeader.parse(fileBytes: raw, file: "x/y.safetensors") }
            }.get()
        }
        #expect(error?.description == "x/y.safetensors: tensor 'w': data ends at 8, past the end of the 4-byte data section")
    }
}
