import MergeKitRandom
import MergeKitYAML
import Testing

struct ErrorCase: CustomTestStringConvertible, Sendable {
    let id: String
    let bytes: [UInt8]
    /// `YAMLError.description`: `file:line:column: error: message`.
    let expected: String
    var testDescription: String { id }

    init(id: String, text: String, expected: String) {
        self.init(id: id, bytes: Array(text.utf8), expected: expected)
    }

    init(id: String, bytes: [UInt8], expected: String) {
        self.id = id
        self.bytes = bytes
        self.expected = expected
    }
}

@Suite("YAML parser: errors are thrown with position, never trapped")
struct YAMLParserErrorTests {
    static let cases: [ErrorCase] = [
        ErrorCase(
            id: "bad indentation (a key dedented into no mapping)",
            text: "a:\n  b: 1\n c: 2\n",
            expected: "t.yaml:3:2: error: did not find expected key "
                + "(while parsing a block mapping that starts at line 1, column 1)"),
        ErrorCase(
            id: "bad indentation (a key indented under a scalar)",
            text: "a: 1\n b: 2\n",
            expected: "t.yaml:2:3: error: mapping values are not allowed in this context"),
        ErrorCase(
            id: "unclosed flow sequence",
            text: "weight: [1, 2\nb: 3\n",
            expected: "t.yaml:2:2: error: did not find expected ',' or ']' "
                + "(while parsing a flow sequence that starts at line 1, column 9)"),
        ErrorCase(
            id: "unclosed flow sequence at the end of the file",
            text: "weight: [0.5, 0.3",
            expected: "t.yaml:1:18: error: did not find expected ',' or ']' "
                + "(while parsing a flow sequence that starts at line 1, column 9)"),
        ErrorCase(
            id: "stray backtick",
            text: "merge_method: `ties`\n",
            expected: "t.yaml:1:15: error: found character '`' that cannot start any token "
                + "(while scanning for the next token)"),
        ErrorCase(
            id: "tab indentation",
            text: "parameters:\n\tdensity: 0.5\n",
            expected: "t.yaml:2:1: error: found a tab character that cannot start any token "
                + "(while scanning for the next token); indent with spaces, not tabs"),
        ErrorCase(
            id: "unterminated quoted scalar",
            text: "a: \"open\n",
            expected: "t.yaml:2:1: error: found unexpected end of stream "
                + "(while scanning a quoted scalar that starts at line 1, column 4)"),
        ErrorCase(
            id: "unknown alias",
            text: "a: 1\nb: *missing\n",
            expected: "t.yaml:2:4: error: unknown alias '*missing': "
                + "no anchor '&missing' comes before it in this document"),
        ErrorCase(
            id: "alias used before its anchor",
            text: "b: *x\na: &x 1\n",
            expected: "t.yaml:1:4: error: unknown alias '*x': no anchor '&x' comes before it in this document"),
        ErrorCase(
            id: "anchors do not cross documents",
            text: "a: &x 1\n---\nb: *x\n",
            expected: "t.yaml:3:4: error: unknown alias '*x': no anchor '&x' comes before it in this document"),
        ErrorCase(
            id: "recursive alias",
            text: "a: &x [1, *x]\n",
            expected: "t.yaml:1:11: error: alias '*x' refers to a node that contains it"),
        ErrorCase(
            id: "mapping as a key",
            text: "? {a: 1}\n: c\n",
            expected: "t.yaml:1:3: error: mapping keys must be scalars; found a mapping"),
        ErrorCase(
            id: "list as a key",
            text: "[a, b]: c\n",
            expected: "t.yaml:1:1: error: mapping keys must be scalars; found a list"),
        ErrorCase(
            id: "merge of a scalar",
            text: "a: {<<: 1}\n",
            expected: "t.yaml:1:9: error: expected a mapping or a list of mappings to merge with '<<'; "
                + "found a scalar"),
        ErrorCase(
            id: "merge list holding a scalar",
            text: "a: &a {x: 1}\nb: {<<: [*a, 2]}\n",
            expected: "t.yaml:2:14: error: expected a mapping to merge with '<<'; found a scalar"),
        ErrorCase(
            id: "NUL byte",
            text: "a: 1\nx\u{0}y: 2\n",
            expected: "t.yaml:2:2: error: control characters are not allowed (U+0000)"),
        ErrorCase(
            id: "other control character",
            text: "a: \u{7}\n",
            expected: "t.yaml:1:4: error: control characters are not allowed (U+0007)"),
        ErrorCase(
            id: "invalid UTF-8 lead byte",
            bytes: Array("a: 1\nb: ".utf8) + [0xFF] + Array("\n".utf8),
            expected: "t.yaml:2:4: error: invalid leading UTF-8 octet (byte 0xFF)"),
        ErrorCase(
            id: "UTF-8 sequence cut by a newline",
            bytes: Array("b: caf".utf8) + [0xC3] + Array("\n".utf8),
            expected: "t.yaml:1:8: error: invalid trailing UTF-8 octet (byte 0x0A)"),
        ErrorCase(
            id: "UTF-8 sequence cut by the end of the file",
            bytes: Array("b: caf".utf8) + [0xC3],
            expected: "t.yaml:1:7: error: incomplete UTF-8 octet sequence"),
        ErrorCase(
            id: "UTF-16 byte order mark",
            bytes: [0xFF, 0xFE, 0x61, 0x00],
            expected: "t.yaml:1:1: error: expected UTF-8 text; found a UTF-16 byte order mark"),
        ErrorCase(
            id: "error after a byte order mark and a line separator",
            bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\u{2028}b: [1\n".utf8),
            expected: "t.yaml:3:1: error: did not find expected ',' or ']' "
                + "(while parsing a flow sequence that starts at line 2, column 4)"),
        ErrorCase(
            id: "nesting deeper than the limit",
            text: String(repeating: "[", count: 129) + String(repeating: "]", count: 129),
            expected: "t.yaml:1:129: error: lists and mappings are nested more than 128 levels deep"),
        ErrorCase(
            id: "alias that would nest deeper than the limit",
            text: "a: &a " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
                + "\nb: " + String(repeating: "[", count: 40) + "*a" + String(repeating: "]", count: 40) + "\n",
            expected: "t.yaml:2:44: error: lists and mappings are nested more than 128 levels deep"),
        ErrorCase(
            id: "billion laughs",
            text: billionLaughs,
            expected: "t.yaml:6:36: error: document has more than 1000000 nodes once aliases are expanded"),
    ]

    /// Each line holds ten aliases of the line before: sizes 11, 111, ... 1,111,111 nodes.
    static var billionLaughs: String {
        var lines = ["a: &a [" + Array(repeating: "x", count: 10).joined(separator: ", ") + "]"]
        for (previous, name) in zip(["a", "b", "c", "d", "e"], ["b", "c", "d", "e", "f"]) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(arguments: cases)
    func error(_ testCase: ErrorCase) {
        #expect(throws: YAMLError.self) {
            try YAMLParser.parse(utf8: testCase.bytes, file: "t.yaml")
        }
        do {
            _ = try YAMLParser.parse(utf8: testCase.bytes, file: "t.yaml")
        } catch {
            #expect(error.description == testCase.expected)
        }
    }

    @Test func stringEntryPointReportsNULToo() {
        do {
            _ = try YAMLParser.parse("a: b\u{0}\n", file: "s.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error == YAMLError(location: SourceLocation(file: "s.yaml", line: 1, column: 5),
                                       message: "control characters are not allowed (U+0000)"))
        }
    }

    /// Random byte damage to a real recipe must give a tree or a YAMLError, never a trap.
    @Test func damagedInputNeverTraps() {
        let recipe = Array("""
            merge_method: ties
            base: &b {density: 0.5}
            models:
              - model: ./a
                parameters: {<<: *b, weight: [1.0, 0.5]}
              - model: "./b"
            parameters:
              normalize: true
            ---
            name: 'x'

            """.utf8)
        let damage: [UInt8] = [0x00, 0x09, 0x0A, 0x22, 0x26, 0x2A, 0x2D, 0x3A, 0x3C, 0x5B, 0x5D, 0x60,
                               0x7B, 0x7D, 0x80, 0xC3, 0xE2, 0xFF]
        var random = SplitMix64(seed: 20_240_601)
        var failures = 0
        for _ in 0..<3000 {
            var bytes = recipe
            for _ in 0..<Int(random.next() % 3 + 1) {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] = damage[Int(random.next() % UInt64(damage.count))]
            }
            do {
                _ = try YAMLParser.parse(utf8: bytes, file: "t.yaml")
            } catch {
                failures += 1
                #expect(error.location.line >= 1 && error.location.column >= 1)
            }
        }
        // Most damage breaks the syntax; some of it leaves a valid document.
        #expect(failures > 1000 && failures < 3000)
    }
}
