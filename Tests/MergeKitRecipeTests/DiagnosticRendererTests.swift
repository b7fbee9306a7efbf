import MergeKitRecipe
import MergeKitYAML
import Testing

struct RenderCase: CustomTestStringConvertible, Sendable {
    let id: String
    let diagnostic: Diagnostic
    let expected: String
    var testDescription: String { id }
}

@Suite("DiagnosticRenderer: compiler-style text")
struct DiagnosticRendererTests {
    static let source = "merge_method: linear\n\tweight: [1,\t`]\nmodels:\r\nlast: é`\n\nend"
    static let renderer = DiagnosticRenderer(sources: ["r.yaml": source, "bom.yaml": "\u{FEFF}a: `\n"])

    static func at(_ line: Int, _ column: Int, file: String = "r.yaml") -> MergeKitYAML.SourceLocation {
        MergeKitYAML.SourceLocation(file: file, line: line, column: column)
    }

    static let cases: [RenderCase] = [
        RenderCase(
            id: "error with the line and a caret",
            diagnostic: .error("unknown method", at: at(1, 15)),
            expected: "r.yaml:1:15: error: unknown method\nmerge_method: linear\n              ^"),
        RenderCase(
            id: "caret line reproduces tabs before the column",
            diagnostic: .warning("odd", at: at(2, 14)),
            expected: "r.yaml:2:14: warning: odd\n\tweight: [1,\t`]\n\t           \t^"),
        RenderCase(
            id: "note severity and column 1",
            diagnostic: Diagnostic(.note, at: at(3, 1), "declared here"),
            expected: "r.yaml:3:1: note: declared here\nmodels:\n^"),
        RenderCase(
            id: "columns count characters, not bytes",
            diagnostic: .error("backtick", at: at(4, 8)),
            expected: "r.yaml:4:8: error: backtick\nlast: é`\n       ^"),
        RenderCase(
            id: "column one past the end of the line",
            diagnostic: .error("expected more", at: at(6, 4)),
            expected: "r.yaml:6:4: error: expected more\nend\n   ^"),
        RenderCase(
            id: "column further past the end: caret right after the line",
            diagnostic: .error("expected more", at: at(6, 1_000_000)),
            expected: "r.yaml:6:1000000: error: expected more\nend\n   ^"),
        RenderCase(
            id: "column 0: caret at the start",
            diagnostic: .error("start", at: at(3, 0)),
            expected: "r.yaml:3:0: error: start\nmodels:\n^"),
        RenderCase(
            id: "empty line: header only",
            diagnostic: .error("at the end", at: at(5, 1)),
            expected: "r.yaml:5:1: error: at the end"),
        RenderCase(
            id: "line past the end of the file: header only",
            diagnostic: .error("nowhere", at: at(7, 1)),
            expected: "r.yaml:7:1: error: nowhere"),
        RenderCase(
            id: "line 0: header only",
            diagnostic: .error("nowhere", at: at(0, 1)),
            expected: "r.yaml:0:1: error: nowhere"),
        RenderCase(
            id: "unknown file: header only",
            diagnostic: .error("elsewhere", at: at(1, 1, file: "other.yaml")),
            expected: "other.yaml:1:1: error: elsewhere"),
        RenderCase(
            id: "a byte-order mark is not printed and not counted",
            diagnostic: .error("backtick", at: at(1, 4, file: "bom.yaml")),
            expected: "bom.yaml:1:4: error: backtick\na: `\n   ^"),
    ]

    @Test(arguments: cases)
    func render(_ testCase: RenderCase) {
        #expect(Self.renderer.render(testCase.diagnostic) == testCase.expected)
    }

    @Test func severalAreJoinedWithoutATrailingNewline() {
        let text = Self.renderer.render([.error("one", at: Self.at(1, 1)), .warning("two", at: Self.at(7, 2))])
        #expect(text == "r.yaml:1:1: error: one\nmerge_method: linear\n^\nr.yaml:7:2: warning: two")
        #expect(Self.renderer.render([Diagnostic]()) == "")
    }

    /// A hostile recipe: ESC sequences in the file name, the message and the line, and a NUL,
    /// are escaped; the caret still points at the column, after the escapes' widths.
    @Test func controlCharactersAreEscapedAndTheCaretStaysRight() {
        let file = "evil\u{1B}]0;pwned\u{07}.yaml"
        let renderer = DiagnosticRenderer(sources: [file: "merge_method: \u{1B}[2J\u{0}\tx: `\n"])
        // The backtick is column 24; before it, 14 + 4 (\x1b) + 3 + 4 (\x00) characters, a tab, 3.
        let text = renderer.render(.error("unknown method '\u{1B}[2J'", at: Self.at(1, 24, file: file)))
        #expect(text == #"evil\x1b]0;pwned\x07.yaml:1:24: error: unknown method '\x1b[2J'"# + "\n"
            + #"merge_method: \x1b[2J\x00"# + "\tx: `\n"
            + String(repeating: " ", count: 25) + "\t   ^")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
    }

    /// A 300-character line: 160 characters around the column are shown, `…` marks what is cut.
    @Test func aLongLineIsShownAsAWindowAroundTheColumn() {
        let line = String(repeating: "a", count: 200) + "X" + String(repeating: "b", count: 99)
        let renderer = DiagnosticRenderer(sources: ["long.yaml": "key: 1\n" + line + "\n"])
        func render(column: Int) -> [Substring] {
            renderer.render(.error("e", at: Self.at(2, column, file: "long.yaml"))).split(separator: "\n")
        }
        let middle = render(column: 201)
        #expect(middle[1] == "…" + String(repeating: "a", count: 80) + "X" + String(repeating: "b", count: 79) + "…")
        #expect(middle[2] == String(repeating: " ", count: 81) + "^")
        let start = render(column: 1)
        #expect(start[1] == String(repeating: "a", count: 160) + "…")
        #expect(start[2] == "^")
        let end = render(column: 301)
        #expect(end[1] == "…" + String(repeating: "a", count: 60) + "X" + String(repeating: "b", count: 99))
        #expect(end[2] == String(repeating: " ", count: 161) + "^")
        let exactlyTheLimit = DiagnosticRenderer(sources: ["x.yaml": String(repeating: "c", count: 160)])
        #expect(exactlyTheLimit.render(.error("e", at: Self.at(1, 160, file: "x.yaml"))).split(separator: "\n")[1]
            == Substring(String(repeating: "c", count: 160)))
    }

    @Test(arguments: ["a\r\nb\r\nc", "a\rb\rc", "a\nb\nc", "a\u{2028}b\u{85}c"])
    func everyLineBreakStyleEndsALine(_ text: String) {
        let renderer = DiagnosticRenderer(sources: ["x.yaml": text])
        #expect(renderer.render(.error("e", at: Self.at(3, 1, file: "x.yaml"))) == "x.yaml:3:1: error: e\nc\n^")
        #expect(renderer.render(.error("e", at: Self.at(2, 2, file: "x.yaml"))) == "x.yaml:2:2: error: e\nb\n ^")
    }
}
