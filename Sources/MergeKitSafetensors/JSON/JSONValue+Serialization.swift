extension JSONValue {
    /// The value as JSON text.
    ///
    /// `pretty` matches Python's `json.dumps(value, indent=2, ensure_ascii=False)`: two-space
    /// indentation, `"key": value`, `[]` and `{}` for empty containers, no trailing newline.
    /// Otherwise the text is compact, with no spaces at all. Keys keep their order, numbers their
    /// source text, and non-ASCII characters stay UTF-8.
    public func serialized(pretty: Bool = false) -> String {
        var output = ""
        write(to: &output, indent: pretty ? 0 : nil)
        return output
    }

    /// `indent` is the current nesting level when pretty-printing, nil when compact.
    private func write(to output: inout String, indent: Int?) {
        switch self {
        case .object(let object):
            guard !object.isEmpty else {
                output += "{}"
                return
            }
            output += "{"
            for (position, entry) in object.entries.enumerated() {
                if position > 0 { output += "," }
                Self.newline(&output, indent: indent.map { $0 + 1 })
                Self.writeString(entry.key, to: &output)
                output += indent == nil ? ":" : ": "
                entry.value.write(to: &output, indent: indent.map { $0 + 1 })
            }
            Self.newline(&output, indent: indent)
            output += "}"
        case .array(let elements):
            guard !elements.isEmpty else {
                output += "[]"
                return
            }
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += "," }
                Self.newline(&output, indent: indent.map { $0 + 1 })
                element.write(to: &output, indent: indent.map { $0 + 1 })
            }
            Self.newline(&output, indent: indent)
            output += "]"
        case .string(let string):
            Self.writeString(string, to: &output)
        case .number(let text):
            output += text
        case .bool(let value):
            output += value ? "true" : "false"
        case .null:
            output += "null"
        }
    }

    private static func newline(_ output: inout String, indent: Int?) {
        guard let indent else { return }
        output += "\n"
        output += String(repeating: "  ", count: indent)
    }

    private static func writeString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
