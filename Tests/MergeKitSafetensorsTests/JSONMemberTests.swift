import MergeKitSafetensors
import Testing

/// Reading an object's members (or an array's elements) as byte ranges without building the
/// values: the same checks as `parse`, but duplicate keys are left to the caller.
@Suite("JSON members")
struct JSONMemberTests {
    private func members(_ text: String) throws -> [(key: String, value: String)] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in
            try JSONParser.objectMembers(buffer).map { (key: $0.key, value: String(decoding: bytes[$0.value], as: UTF8.self)) }
        }
    }

    @Test func membersAreKeysWithTheExactBytesOfTheirValues() throws {
        let found = try members(#" {"a": [1, {"x": "y"}], "b":"\u00e9\n", "c" : -1.5e3 , "d": {}, "e": null} "#)
        #expect(found.map(\.key) == ["a", "b", "c", "d", "e"])
        #expect(found.map(\.value) == [#"[1, {"x": "y"}]"#, #""\u00e9\n""#, "-1.5e3", "{}", "null"])
        #expect(try members("{}").isEmpty)
    }

    @Test func repeatedKeysAreReturnedInOrder() throws {
        #expect(try members(#"{"a": 1, "a": 2}"#).map(\.value) == ["1", "2"])
    }

    @Test func arrayElementsAreRanges() throws {
        let bytes = Array(#"[ "x", [1, 2] ,{"k": true}]"#.utf8)
        let ranges = try bytes.withUnsafeBytes { buffer in try JSONParser.arrayElements(buffer) }
        #expect(ranges.map { String(decoding: bytes[$0], as: UTF8.self) } == [#""x""#, "[1, 2]", #"{"k": true}"#])
    }

    @Test(arguments: [
        #"{"a": [1, 2}"#, #"{"a": "\x"}"#, #"{"a": 01}"#, #"{"a": 1} x"#, #"{"a": {"b": tru}}"#, "{\"a\": \"\u{1}\"}",
        #"{"a": "\ud800"}"#, #"{"a" 1}"#, #"{"a": 1,}"#, "\u{FEFF}{}", #"{"a": [1 2]}"#,
    ])
    func malformedTextIsRejectedAsParseRejectsIt(_ text: String) {
        let bytes = Array(text.utf8)
        let expected = #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        let error = #expect(throws: JSONParseError.self) {
            try bytes.withUnsafeBytes { buffer in _ = try JSONParser.objectMembers(buffer) }
        }
        #expect(error == expected)
    }

    @Test func onlyAnObjectHasMembers() {
        let error = #expect(throws: JSONParseError.self) {
            try Array("[1]".utf8).withUnsafeBytes { buffer in _ = try JSONParser.objectMembers(buffer) }
        }
        #expect(error == JSONParseError(byteOffset: 0, kind: .unexpectedByte(UInt8(ascii: "["), expected: "'{'")))
    }

    @Test func nestingIsLimitedAsInParse() {
        let deep = "{\"a\": " + String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth) + "}"
        let error = #expect(throws: JSONParseError.self) {
            try Array(deep.utf8).withUnsafeBytes { buffer in _ = try JSONParser.objectMembers(buffer) }
        }
        #expect(error?.kind == .nestingTooDeep(limit: JSONParser.maximumDepth))
    }
}
