import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// Names that Swift's `String` calls equal (canonical equivalence) but whose bytes differ are
/// different names in every reader and writer of this target.
@Suite struct ByteStringTests {
    static let composed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"
    static let kelvin = "\u{212A}"

    @Test func equalityHashingAndOrderFollowTheBytes() {
        #expect(Self.composed == Self.decomposed, "the premise: String equality is canonical equivalence")
        #expect(ByteString(Self.composed) != ByteString(Self.decomposed))
        #expect(ByteString(Self.kelvin) != ByteString("K"))
        #expect(ByteString(Self.composed) == ByteString("caf\u{E9}"))
        #expect(Set([ByteString(Self.composed), ByteString(Self.decomposed), ByteString(Self.composed)]).count == 2)
        // Byte order is code point order: "e" (0x65) before "é" (0xC3 0xA9).
        #expect(ByteString(Self.decomposed) < ByteString(Self.composed))
        #expect(!Self.composed.hasSameBytes(as: Self.decomposed))
    }

    @Test func substringsAreMatchedAsBytes() {
        #expect("model.layers.0.cafe\u{301}.weight".containsBytes(of: "cafe"), "Python: 'cafe' in name")
        #expect(!"model.layers.0.cafe\u{301}.weight".containsBytes(of: Self.composed))
        #expect("x".containsBytes(of: ""))
        #expect(!"ab".containsBytes(of: "abc"))
    }

    @Test func jsonKeysAreDistinctByTheirBytes() throws {
        let value = try JSONParser.parse(Array(#"{"\#(Self.composed)": 1, "\#(Self.decomposed)": 2, "K": 3, "\#(Self.kelvin)": 4}"#.utf8))
        #expect(value.objectValue?.count == 4)
        #expect(value[Self.composed] == .number("1"))
        #expect(value[Self.decomposed] == .number("2"))
        #expect(value["K"] == .number("3"))
        #expect(value[Self.kelvin] == .number("4"))
        // The same bytes twice, one of them escaped, are still a duplicate.
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(#"{"caf\u00e9": 1, "\#(Self.composed)": 2}"#.utf8)) }
        var object = JSONObject([(key: Self.composed, value: 1)])
        object[Self.decomposed] = 2
        #expect(object.keys.map { Array($0.utf8) } == [Array(Self.composed.utf8), Array(Self.decomposed.utf8)])
    }

    @Test func aHeaderMayHoldBothSpellings() throws {
        let header = "{" + RawSafetensors.entry(Self.composed, "F32", [1], 0, 4) + ","
            + RawSafetensors.entry(Self.decomposed, "F32", [1], 4, 8) + "}"
        let bytes = RawSafetensors(header: header, dataByteCount: 8).bytes
        let parsed = try bytes.withUnsafeBytes { try SafetensorsHeader.parse(fileBytes: $0, file: "x.safetensors") }
        #expect(parsed.tensors.map { Array($0.name.utf8) } == [Array(Self.composed.utf8), Array(Self.decomposed.utf8)])
        #expect(parsed.tensors[0] != parsed.tensors[1])

        let directory = try TemporaryDirectory()
        try writeFile(bytes, to: directory.file("x.safetensors"))
        let file = try SafetensorsFile(path: directory.file("x.safetensors"))
        #expect(file.tensor(named: Self.composed)?.byteRange == 0..<4)
        #expect(file.tensor(named: Self.decomposed)?.byteRange == 4..<8)
    }

    @Test func anIndexMayMapBothSpellings() throws {
        let json = #"{"weight_map": {"\#(Self.composed)": "a.safetensors", "\#(Self.decomposed)": "b.safetensors"}}"#
        let index = try Array(json.utf8).withUnsafeBytes { try CheckpointIndex.parse(bytes: $0, file: "index.json") }
        #expect(index.weightMap.count == 2)
        #expect(index.shardFiles == ["a.safetensors", "b.safetensors"])
    }

    @Test func aLayoutPlacesBothSpellings() throws {
        let specs = [Self.composed, Self.decomposed].map { OutputTensorSpec(name: $0, dtype: .f32, shape: [2]) }
        let layout = try ShardLayout.plan(specs, maxShardBytes: 8)
        #expect(layout.shards.count == 2)
        #expect(layout.location(of: Self.composed)?.shardIndex == 0)
        #expect(layout.location(of: Self.decomposed)?.shardIndex == 1)
        let index = try JSONParser.parse(Array(layout.indexJSON().utf8))
        #expect(index["weight_map"]?.objectValue?.count == 2)
        #expect(throws: ShardLayoutError.self) { try ShardLayout.plan(specs + [specs[0]], maxShardBytes: 8) }
    }
}
