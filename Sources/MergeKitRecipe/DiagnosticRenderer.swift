/// Renders diagnostics compiler-style:
///
///     recipe.yaml:3:12: error: MESSAGE
///       density: [0.5
///                ^
///
/// The file name, the message and the source line are printed with their control characters
/// escaped (`TerminalText`), so a hostile recipe cannot drive the terminal; the caret line copies
/// the line's tabs and the width of each escape before the column so the caret lines up. Columns
/// count characters, as the YAML parser does. A line longer than `maximumEchoWidth` characters is
/// shown as a window around the column, marked with `…`, so a long one-line recipe with many
/// problems does not print the whole line for each. If the file's text or the line is unknown, or
/// the line is empty (an error at the very end of a file), only the first line is printed.
public struct DiagnosticRenderer: Sendable {
    /// Each line as Unicode scalars, so a window is cut without walking the line from its start.
    private let linesByFile: [String: [[Unicode.Scalar]]]

    /// The most characters of a source line echoed under a diagnostic.
    public static let maximumEchoWidth = 160

    /// - Parameter sources: each file's full text, keyed by the file name used in diagnostics.
    public init(sources: [String: String]) {
        linesByFile = sources.mapValues { Self.lines(of: $0).map { Array($0.unicodeScalars) } }
    }

    public func render(_ diagnostic: Diagnostic) -> String {
        let location = diagnostic.location
        let header = "\(TerminalText.escaped(location.file)):\(location.line):\(location.column): "
            + "\(diagnostic.severity.rawValue): \(TerminalText.escaped(diagnostic.message))"
        guard let lines = linesByFile[location.file], location.line >= 1, location.line <= lines.count else {
            return header
        }
        let line = lines[location.line - 1]
        guard !line.isEmpty else { return header }
        // A column past the end of the line (the parser gives at most one past) is drawn just
        // after the line's last character.
        let caretIndex = min(max(location.column, 1), line.count + 1) - 1
        let shown = Self.window(around: caretIndex, in: line.count)
        let opening = shown.lowerBound > 0 ? "…" : ""
        let closing = shown.upperBound < line.count ? "…" : ""
        var caretLine = opening.isEmpty ? "" : " "
        for scalar in line[shown.lowerBound..<caretIndex] {
            caretLine += scalar == "\t" ? "\t" : String(repeating: " ", count: TerminalText.escapedWidth(of: scalar))
        }
        caretLine += "^"
        var echoed = String.UnicodeScalarView()
        echoed.append(contentsOf: line[shown])
        return header + "\n" + opening + TerminalText.escaped(String(echoed)) + closing + "\n" + caretLine
    }

    /// The range of a line of `count` characters that is echoed: all of it, or
    /// `maximumEchoWidth` characters with the caret's index about in the middle.
    private static func window(around caretIndex: Int, in count: Int) -> Range<Int> {
        guard count > maximumEchoWidth else { return 0..<count }
        let start = max(0, min(caretIndex - maximumEchoWidth / 2, count - maximumEchoWidth))
        return start..<(start + maximumEchoWidth)
    }

    /// Each diagnostic rendered, joined by newlines (no trailing newline).
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined(separator: "\n")
    }

    /// Splits at the line breaks the YAML parser counts: CR LF, CR, LF, NEL, LS and PS. A leading
    /// byte-order mark is dropped, as the parser does not count it as a column.
    private static func lines(of text: String) -> [Substring] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" {
            scalars.removeFirst()
        }
        var lines: [Substring] = []
        var lineStart = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            guard ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) else {
                scalars.formIndex(after: &index)
                continue
            }
            lines.append(Substring(scalars[lineStart..<index]))
            scalars.formIndex(after: &index)
            if scalar == "\r", index < scalars.endIndex, scalars[index] == "\n" {
                scalars.formIndex(after: &index)
            }
            lineStart = index
        }
        lines.append(Substring(scalars[lineStart..<index]))
        return lines
    }
}
