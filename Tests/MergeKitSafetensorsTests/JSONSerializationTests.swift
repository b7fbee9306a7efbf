import MergeKitSafetensors
import Testing

@Suite("JSON serialization and editing")
struct JSONSerializationTests {
    /// `{"a": 1, "b": [1, 2, {}], "c": {"d": [], "e": "x\ny\u001f\"\\é😀"}, "f": None, "g": True,
    /// "h": -5e-08}` in Python.
    static let sample: JSONValue = [
        "a": 1,
        "b": [1, 2, .object(JSONObject())],
        "c": ["d": [], "e": "x\ny\u{1F}\"\\é😀"],
        "f": .null,
        "g": true,
        "h": .number("-5e-08"),
    ]

    @Test("pretty output matches Python's json.dumps(indent=2, ensure_ascii=False)")
    func prettyMatchesPython() {
        let expected = #"""
            {
              "a": 1,
              "b": [
                1,
                2,
                {}
              ],
              "c": {
                "d": [],
                "e": "x\ny\u001f\"\\é😀"
              },
              "f": null,
              "g": true,
              "h": -5e-08
            }
            """#
        #expect(Self.sample.serialized(pretty: true) == expected)
    }

    @Test("compact output has no spaces")
    func compact() {
        #expect(Self.sample.serialized() == #"{"a":1,"b":[1,2,{}],"c":{"d":[],"e":"x\ny\u001f\"\\é😀"},"f":null,"g":true,"h":-5e-08}"#)
    }

    @Test func everyControlCharacterIsEscaped() throws {
        let all = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let text = JSONValue.string(all).serialized()
        #expect(text.unicodeScalars.allSatisfy { $0.value >= 0x20 })
        #expect(text.hasPrefix(#""\u0000\u0001"#))
        #expect(try JSONParser.parse(Array(text.utf8)) == .string(all))
    }

    @Test("parse ∘ serialize is the identity", arguments: [false, true])
    func roundTrip(pretty: Bool) throws {
        let text = Self.sample.serialized(pretty: pretty)
        #expect(try JSONParser.parse(Array(text.utf8)) == Self.sample)
    }

    @Test("editing keeps the key order: replace in place, append new, remove")
    func editing() throws {
        let config = try JSONParser.parse(Array(#"{"num_hidden_layers": 32, "torch_dtype": "float32", "x": 1}"#.utf8))
        var object = try #require(config.objectValue)
        object["num_hidden_layers"] = .integer(16)
        object["torch_dtype"] = "bfloat16"
        object["added"] = [1]
        object["x"] = nil
        object["never-there"] = nil
        #expect(object.keys == ["num_hidden_layers", "torch_dtype", "added"])
        #expect(JSONValue.object(object).serialized() == #"{"num_hidden_layers":16,"torch_dtype":"bfloat16","added":[1]}"#)
    }

    @Test("object equality is order-sensitive")
    func orderMatters() {
        let ab: JSONValue = ["a": 1, "b": 2]
        let ba: JSONValue = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab["a"] == ba["a"])
    }
}
