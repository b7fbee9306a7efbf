/// Text that came from files or the command line (tensor names, model paths, recipe file names,
/// recipe lines) made safe to print for a person. A terminal obeys control characters: ESC and
/// CSI sequences move the cursor, clear the screen or recolour the text, OSC retitles the window,
/// NUL, CR and backspace hide what was written before them. Here each one is written as a
/// visible escape instead, the way Python's `repr` writes them: `\n`, `\r`, `\x1b`, `\x00`,
/// `\x9b`, and `\u202e` for the bidirectional overrides that reorder a line on screen
/// ("Trojan Source"). Tabs are kept (they move the cursor but cannot hide or change anything,
/// and a diagnostic's caret line relies on them); backslashes are kept as they are.
///
/// Every human-readable output uses it: diagnostics, `error:` / `warning:` lines and the text
/// reports. JSON output has its own escaping.
public enum TerminalText {
    /// `text` with every control character escaped; line breaks are escaped too, so one value
    /// stays on one line.
    public static func escaped(_ text: some StringProtocol) -> String {
        escaping(text.unicodeScalars, keepingLineFeeds: false)
    }

    /// A multi-line report: each line escaped, the line feeds between them kept (a carriage
    /// return is still escaped).
    public static func escapedLines(_ text: String) -> String {
        escaping(text.unicodeScalars, keepingLineFeeds: true)
    }

    /// How many characters `scalar` takes once escaped (1 when it is printed as it is).
    public static func escapedWidth(of scalar: Unicode.Scalar) -> Int {
        escape(of: scalar)?.count ?? 1
    }

    private static func escaping(_ scalars: some Collection<Unicode.Scalar>, keepingLineFeeds: Bool) -> String {
        var result = String.UnicodeScalarView()
        result.reserveCapacity(scalars.count)
        for scalar in scalars {
            if let escape = escape(of: scalar), !(keepingLineFeeds && scalar == "\n") {
                result.append(contentsOf: escape.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// The escape of a control character, or nil for a character printed as it is.
    private static func escape(of scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x09:
            return nil
        case 0x0A:
            return "\\n"
        case 0x0D:
            return "\\r"
        case 0x00...0x1F, 0x7F...0x9F:
            return "\\x" + hex(scalar.value, digits: 2)
        case 0x202A...0x202E, 0x2066...0x2069:
            return "\\u" + hex(scalar.value, digits: 4)
        default:
            return nil
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
