public import MergeKitYAML

/// Numbers and booleans as people write them in recipes, whatever the quoting: `1e-5` (no dot
/// needed), `.5`, `-.5`, `1.000`, `+3`, `"0.5"`. Not accepted: `1_000`, hex, `.inf`, `.nan`.
extension YAMLScalar {
    /// The value as a finite number, or nil.
    public var numberValue: Double? {
        guard NumberSyntax.isDecimal(value) else { return nil }
        guard let number = Double(value), number.isFinite else { return nil }
        return number
    }

    /// The value as an exact integer (`3`, `3.0`, `1e2`), or nil for fractions and overflow.
    public var integerValue: Int? {
        if NumberSyntax.isInteger(value) {
            return Int(value)
        }
        guard let number = numberValue else { return nil }
        return Int(exactly: number)
    }

    /// PyYAML's YAML 1.1 booleans in any letter case (`true`/`false`, `yes`/`no`, `on`/`off`),
    /// and the numbers 1 and 0 (`1.0`, `0.0` too).
    public var boolValue: Bool? {
        switch value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: break
        }
        switch numberValue {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }
}

/// The accepted number grammar: `[+-]? (digits ('.' digits?)? | '.' digits) ([eE] [+-]? digits)?`.
/// Checked before `Double(_:)`, which would also take `inf`, `nan` and hexadecimal.
private enum NumberSyntax {
    static func isInteger(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        skipSign(&bytes)
        return !bytes.isEmpty && bytes.allSatisfy(isDigit)
    }

    static func isDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        skipSign(&bytes)
        let integerDigits = skipDigits(&bytes)
        var fractionDigits = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes.removeFirst()
            fractionDigits = skipDigits(&bytes)
        }
        guard integerDigits + fractionDigits > 0 else { return false }
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes.removeFirst()
            skipSign(&bytes)
            guard skipDigits(&bytes) > 0 else { return false }
        }
        return bytes.isEmpty
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func skipSign(_ bytes: inout Substring.UTF8View.SubSequence) {
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            bytes.removeFirst()
        }
    }

    private static func skipDigits(_ bytes: inout Substring.UTF8View.SubSequence) -> Int {
        let count = bytes.prefix(while: isDigit).count
        bytes.removeFirst(count)
        return count
    }
}
