/// Why a JSON document was rejected, and the byte offset (0-based, in the parsed bytes) where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let byteOffset: Int
    public let kind: Kind

    public init(byteOffset: Int, kind: Kind) {
        self.byteOffset = byteOffset
        self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
        case unexpectedEnd
        /// A byte that cannot start or continue what was expected here.
        case unexpectedByte(UInt8, expected: String)
        case invalidNumber
        case invalidEscape
        /// A `\u` escape for half of a surrogate pair without its other half.
        case unpairedSurrogate(UInt16)
        /// An unescaped control character (below U+0020) inside a string.
        case controlCharacterInString(UInt8)
        case invalidUTF8
        /// The input starts with a UTF-8 byte order mark, which RFC 8259 forbids.
        case byteOrderMark
        /// A key appears twice in one object; `path` leads from the root to that object.
        case duplicateKey(String, path: [JSONPathComponent])
        case nestingTooDeep(limit: Int)
        /// Something other than whitespace follows the value.
        case trailingContent
    }

    public var description: String {
        "byte \(byteOffset): \(kind)"
    }
}

extension JSONParseError.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unexpectedEnd:
            return "unexpected end of input"
        case .unexpectedByte(let byte, let expected):
            return "unexpected \(Self.describe(byte)); expected \(expected)"
        case .invalidNumber:
            return "invalid number"
        case .invalidEscape:
            return "invalid escape sequence in string"
        case .unpairedSurrogate(let unit):
            return "unpaired UTF-16 surrogate \\u\(String(unit, radix: 16, uppercase: true))"
        case .controlCharacterInString(let byte):
            return "unescaped control character \(Self.describe(byte)) in string"
        case .invalidUTF8:
            return "invalid UTF-8"
        case .byteOrderMark:
            return "byte order mark at the start of the input"
        case .duplicateKey(let key, let path):
            let object = path.isEmpty ? "the top-level object" : "'\(path.map(\.description).joined(separator: "."))'"
            return "duplicate key '\(key)' in \(object)"
        case .nestingTooDeep(let limit):
            return "nesting deeper than \(limit) levels"
        case .trailingContent:
            return "unexpected content after the JSON value"
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
}
