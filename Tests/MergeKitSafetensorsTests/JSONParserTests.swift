import MergeKitSafetensors
import Testing

private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
}

private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String) -> JSONParseError? {
    parseError(Array(text.utf8))
}

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesEveryValueKindKeepingKeyOrder() throws {
        let value = try parse(#" {"z": [1, -2.5e3, true, false, null], "a": {"k": "v"}, "m": {}} "#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["z"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["a"]?["k"]?.stringValue == "v")
        #expect(value["m"] == .object(JSONObject()))
        #expect(value["missing"] == nil)
        #expect(value["z"]?["k"] == nil)
    }

    @Test("any value may be the top-level one")
    func scalarsAtTopLevel() throws {
        #expect(try parse("42") == .number("42"))
        #expect(try parse(#" "s" "#) == .string("s"))
        #expect(try parse("null") == .null)
    }

    struct NumberCase: Sendable, CustomTestStringConvertible {
        let text: String
        let int: Int?
        let double: Double
        var testDescription: String { text }
    }

    @Test("numbers keep their text; integers are exact or nil", arguments: [
        NumberCase(text: "0", int: 0, double: 0),
        NumberCase(text: "-0", int: 0, double: -0.0),
        NumberCase(text: "9223372036854775807", int: Int.max, double: 9.223372036854775807e18),
        NumberCase(text: "-9223372036854775808", int: Int.min, double: -9.223372036854775808e18),
        NumberCase(text: "9223372036854775808", int: nil, double: 9.223372036854775808e18),
        NumberCase(text: "123456789012345678901234567890", int: nil, double: 1.2345678901234568e29),
        NumberCase(text: "2.0", int: nil, double: 2),
        NumberCase(text: "1e3", int: nil, double: 1000),
        NumberCase(text: "1E+3", int: nil, double: 1000),
        NumberCase(text: "1.50", int: nil, double: 1.5),
        NumberCase(text: "-1e-05", int: nil, double: -1e-5),
    ])
    func numbers(_ testCase: NumberCase) throws {
        let value = try parse(testCase.text)
        #expect(value == .number(testCase.text))
        #expect(value.intValue == testCase.int)
        #expect(value.doubleValue == testCase.double)
        #expect(value.serialized() == testCase.text)
    }

    @Test("malformed numbers are rejected", arguments: [
        "01", "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1.e3", "--1",
    ])
    func malformedNumbers(_ text: String) {
        #expect(parseError(text) != nil)
    }

    @Test func numberErrorsPointAtTheNumber() {
        #expect(parseError("[1, 01]") == JSONParseError(byteOffset: 4, kind: .invalidNumber))
        #expect(parseError("[1.]") == JSONParseError(byteOffset: 1, kind: .invalidNumber))
    }

    @Test func escapes() throws {
        #expect(try parse(#" "\"\\\/\b\f\n\r\t" "#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""caf\u00e9 \u00E9""#) == .string("café é"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse(#""raw UTF-8: é 😀 中""#) == .string("raw UTF-8: é 😀 中"))
    }

    @Test func badEscapes() {
        #expect(parseError(#""\x""#) == JSONParseError(byteOffset: 1, kind: .invalidEscape))
        #expect(parseError(#""\u12G4""#) == JSONParseError(byteOffset: 1, kind: .invalidEscape))
        #expect(parseError(#""\u12""#) == JSONParseError(byteOffset: 1, kind: .invalidEscape))
        #expect(parseError(#""ab\ud83d""#) == JSONParseError(byteOffset: 3, kind: .unpairedSurrogate(0xD83D)))
        #expect(parseError(#""\ud83dx""#) == JSONParseError(byteOffset: 1, kind: .unpairedSurrogate(0xD83D)))
        #expect(parseError(#""\ud83d\u0041""#) == JSONParseError(byteOffset: 1, kind: .unpairedSurrogate(0xD83D)))
        #expect(parseError(#""\ude00""#) == JSONParseError(byteOffset: 1, kind: .unpairedSurrogate(0xDE00)))
    }

    @Test func controlCharactersMustBeEscaped() {
        #expect(parseError("\"a\nb\"") == JSONParseError(byteOffset: 2, kind: .controlCharacterInString(0x0A)))
        #expect(parseError("\"\t\"") == JSONParseError(byteOffset: 1, kind: .controlCharacterInString(0x09)))
    }

    struct UTF8Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        var testDescription: String { name }
    }

    @Test("invalid UTF-8 in a string is rejected at its first byte", arguments: [
        UTF8Case(name: "lone continuation byte", bytes: [0x80]),
        UTF8Case(name: "truncated 2-byte sequence", bytes: [0xC3, 0x28]),
        UTF8Case(name: "overlong '/'", bytes: [0xC0, 0xAF]),
        UTF8Case(name: "overlong 3-byte", bytes: [0xE0, 0x80, 0xAF]),
        UTF8Case(name: "UTF-16 surrogate", bytes: [0xED, 0xA0, 0x80]),
        UTF8Case(name: "above U+10FFFF", bytes: [0xF4, 0x90, 0x80, 0x80]),
        UTF8Case(name: "0xFF", bytes: [0xFF]),
        UTF8Case(name: "truncated at the closing quote", bytes: [0xF0, 0x9F, 0x98]),
    ])
    func invalidUTF8(_ testCase: UTF8Case) {
        let bytes = Array(#"["ok", "x"#.utf8) + testCase.bytes + Array(#"y"]"#.utf8)
        #expect(parseError(bytes) == JSONParseError(byteOffset: 9, kind: .invalidUTF8))
    }

    @Test func duplicateKeysAreReportedWithTheirPath() {
        #expect(parseError(#"{"a":1,"a":2}"#) == JSONParseError(byteOffset: 7, kind: .duplicateKey("a", path: [])))
        #expect(parseError(#"{"a":1, "a":2}"#) == JSONParseError(byteOffset: 8, kind: .duplicateKey("a", path: [])))
        #expect(
            parseError(#"{"x":[{"b":1},{"b":1,"b":2}]}"#)
                == JSONParseError(byteOffset: 21, kind: .duplicateKey("b", path: [.key("x"), .index(1)])))
        #expect(parseError(#"{"x":[{"b":1},{"b":1,"b":2}]}"#)?.description == "byte 21: duplicate key 'b' in 'x.[1]'")
    }

    @Test func depthLimit() throws {
        let limit = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try parse(deepest) }
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(parseError(tooDeep) == JSONParseError(byteOffset: limit, kind: .nestingTooDeep(limit: limit)))
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(parseError(objects)?.kind == .nestingTooDeep(limit: limit))
    }

    @Test("what lenient parsers accept is rejected", arguments: [
        #"{"a":1,}"#, "[1,]", "[1 2]", #"{"a" 1}"#, "{'a':1}", #"{a:1}"#, "// c\n{}", "/* c */ {}", "{} {}",
        "", "   ", "tru", "True", "nul", #""unterminated"#, "[", #"{"a":1"#, "\u{0B}{}", "[NaN]",
    ])
    func rejectsLenientSyntax(_ text: String) {
        #expect(parseError(text) != nil)
    }

    @Test func errorsCarryOffsetAndReason() {
        #expect(parseError(#"{"a":1,}"#) == JSONParseError(byteOffset: 7, kind: .unexpectedByte(UInt8(ascii: "}"), expected: "a string key")))
        #expect(parseError("[1,]")?.description == "byte 3: unexpected ']'; expected a value")
        #expect(parseError("{} x") == JSONParseError(byteOffset: 3, kind: .trailingContent))
        #expect(parseError("[1") == JSONParseError(byteOffset: 2, kind: .unexpectedEnd))
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]) == JSONParseError(byteOffset: 0, kind: .byteOrderMark))
    }

    @Test("non-contiguous collections parse too")
    func nonContiguousInput() throws {
        let bytes = Array(#"{"a": [1, 2]}"#.utf8)
        #expect(try JSONParser.parse(bytes.lazy.map { $0 }) == ["a": [1, 2]])
    }
}
