import MergeKitRecipe
import Testing

/// Control characters from files never reach the terminal raw: each is written as an escape.
@Suite struct TerminalTextTests {
    @Test func controlCharactersBecomeEscapes() {
        #expect(TerminalText.escaped("\u{1B}[2J\u{1B}[31mEVIL\u{1B}]0;pwned\u{07}") == #"\x1b[2J\x1b[31mEVIL\x1b]0;pwned\x07"#)
        #expect(TerminalText.escaped("a\u{0}b\rc\nd\u{8}e\u{7F}f") == #"a\x00b\rc\nd\x08e\x7ff"#)
        // C1 controls (U+009B is a one-character CSI) and the bidirectional overrides.
        #expect(TerminalText.escaped("\u{9B}2J \u{85} \u{202E}cba\u{202C} \u{2066}x\u{2069}") == #"\x9b2J \x85 \u202ecba\u202c \u2066x\u2069"#)
    }

    @Test func printableTextAndTabsAreKept() {
        let text = "model.layers.0.mlp\tcafé ∑ 🙂 C:\\path \"quoted\" \u{200D}"
        #expect(TerminalText.escaped(text) == text)
    }

    @Test func reportsKeepTheirLineBreaks() {
        #expect(TerminalText.escapedLines("one\u{1B}\ntwo\r\n\nthree") == "one\\x1b\ntwo\\r\n\nthree")
    }

    @Test func widthsMatchTheEscapes() {
        #expect(TerminalText.escapedWidth(of: "a") == 1)
        #expect(TerminalText.escapedWidth(of: "\t") == 1)
        #expect(TerminalText.escapedWidth(of: "\u{1B}") == 4)
        #expect(TerminalText.escapedWidth(of: "\n") == 2)
        #expect(TerminalText.escapedWidth(of: "\u{202E}") == 6)
    }
}
