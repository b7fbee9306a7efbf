/// A strict RFC 8259 parser: no comments, trailing commas, NaN/Infinity, leading zeros, byte
/// order mark or unescaped control characters; UTF-8 validated; `\u` escapes must pair their
/// surrogates; duplicate keys (the same bytes once escapes are decoded: keys that differ only in
/// Unicode normalisation are different keys, as in Python) and nesting deeper than
/// `maximumDepth` are errors. Any value may be the top-level one.
public enum JSONParser {
    /// Objects and arrays nested deeper than this are rejected, so hostile input cannot exhaust
    /// the stack.
    public static let maximumDepth = 128

    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        if let contiguous {
            return try contiguous.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer) }
        }.get()
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        return try reader.parseDocument()
    }

    /// The members of the object that `bytes` holds, each key with the byte range (in `bytes`) of
    /// its value, without building the values: large documents (a tokenizer.json) can be read a
    /// part at a time, and edited by replacing one member's bytes. The whole text is checked as
    /// `parse` checks it, except for duplicate keys: these members are returned in order,
    /// repeated keys included, and objects inside the values are not searched for them.
    public static func objectMembers(
        _ bytes: UnsafeRawBufferPointer
    ) throws(JSONParseError) -> [(key: String, value: Range<Int>)] {
        var reader = Reader(bytes: bytes)
        return try reader.containerDocument { reader throws(JSONParseError) in try reader.objectMembers() }
    }

    /// The byte ranges (in `bytes`) of the elements of the array that `bytes` holds, checked as
    /// `objectMembers` checks an object.
    public static func arrayElements(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> [Range<Int>] {
        var reader = Reader(bytes: bytes)
        return try reader.containerDocument { reader throws(JSONParseError) in try reader.arrayElements() }
    }
}

private struct Reader {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var depth = 0
    /// Keys and indices from the root to the value being parsed, for duplicate-key errors.
    var path: [JSONPathComponent] = []

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw JSONParseError(byteOffset: 0, kind: .byteOrderMark)
        }
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error(.trailingContent) }
        return value
    }

    /// Runs `body` on the document's single value (after a byte order mark check) and requires
    /// nothing but whitespace after it.
    mutating func containerDocument<Result>(
        _ body: (inout Reader) throws(JSONParseError) -> Result
    ) throws(JSONParseError) -> Result {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw JSONParseError(byteOffset: 0, kind: .byteOrderMark)
        }
        let result = try body(&self)
        skipWhitespace()
        guard position == bytes.count else { throw error(.trailingContent) }
        return result
    }

    private func error(_ kind: JSONParseError.Kind, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(byteOffset: offset ?? position, kind: kind)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not consumed.
    private mutating func peekPastWhitespace() throws(JSONParseError) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw error(.unexpectedEnd) }
        return bytes[position]
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        let byte = try peekPastWhitespace()
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error(.unexpectedByte(byte, expected: "a value"))
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        guard depth < JSONParser.maximumDepth else {
            throw error(.nestingTooDeep(limit: JSONParser.maximumDepth))
        }
        depth += 1
        position += 1
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        var entries: [JSONObject.Entry] = []
        var seen = Set<ByteString>()
        if try peekPastWhitespace() == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(uniqueEntries: entries))
        }
        while true {
            let byte = try peekPastWhitespace()
            let keyStart = position
            guard byte == UInt8(ascii: "\"") else { throw error(.unexpectedByte(byte, expected: "a string key")) }
            let key = try parseString()
            guard seen.insert(ByteString(key)).inserted else {
                throw error(.duplicateKey(key, path: path), at: keyStart)
            }
            let colon = try peekPastWhitespace()
            guard colon == UInt8(ascii: ":") else { throw error(.unexpectedByte(colon, expected: "':'")) }
            position += 1
            path.append(.key(key))
            let value = try parseValue()
            path.removeLast()
            entries.append(JSONObject.Entry(key: key, value: value))
            let separator = try peekPastWhitespace()
            position += 1
            switch separator {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return .object(JSONObject(uniqueEntries: entries))
            default:
                throw error(.unexpectedByte(separator, expected: "',' or '}'"), at: position - 1)
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        var elements: [JSONValue] = []
        if try peekPastWhitespace() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            path.append(.index(elements.count))
            elements.append(try parseValue())
            path.removeLast()
            let separator = try peekPastWhitespace()
            position += 1
            switch separator {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return .array(elements)
            default: throw error(.unexpectedByte(separator, expected: "',' or ']'"), at: position - 1)
            }
        }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let text = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in text {
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[position] == expected else {
                throw error(.unexpectedByte(bytes[position], expected: "'\(literal)'"))
            }
            position += 1
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error(.invalidNumber, at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw error(.invalidNumber, at: start) }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error(.invalidNumber, at: start) }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error(.invalidNumber, at: start) }
            skipDigits()
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    /// Parses the string starting at the opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        var decoded: [UInt8] = []
        var runStart = position
        while true {
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let run = UnsafeRawBufferPointer(rebasing: bytes[runStart..<position])
                position += 1
                if decoded.isEmpty {
                    return String(decoding: run, as: UTF8.self)
                }
                decoded.append(contentsOf: run)
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
                try parseEscape(into: &decoded)
                runStart = position
            case 0..<0x20:
                throw error(.controlCharacterInString(byte))
            case 0x20..<0x80:
                position += 1
            default:
                guard let length = UTF8Validation.scalarLength(in: bytes, at: position) else {
                    throw error(.invalidUTF8)
                }
                position += length
            }
        }
    }

    /// Parses the escape starting at the backslash and appends its UTF-8 encoding.
    private mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        let start = position
        position += 1
        guard position < bytes.count else { throw error(.unexpectedEnd) }
        let letter = bytes[position]
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(letter)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHexQuad(escapeStart: start)
            let scalarValue: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                let lowStart = position
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error(.unpairedSurrogate(unit), at: start) }
                position += 2
                let low = try parseHexQuad(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw error(.unpairedSurrogate(unit), at: start) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw error(.unpairedSurrogate(unit), at: start)
            default:
                scalarValue = UInt32(unit)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw error(.invalidEscape, at: start) }
            decoded.append(contentsOf: Character(scalar).utf8)
        default:
            throw error(.invalidEscape, at: start)
        }
    }

    private mutating func parseHexQuad(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw error(.invalidEscape, at: escapeStart) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidEscape, at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    // MARK: Reading without building

    /// The members of the object at the current position, with their values' ranges.
    mutating func objectMembers() throws(JSONParseError) -> [(key: String, value: Range<Int>)] {
        let byte = try peekPastWhitespace()
        guard byte == UInt8(ascii: "{") else { throw error(.unexpectedByte(byte, expected: "'{'")) }
        var members: [(key: String, value: Range<Int>)] = []
        try skipContainer(close: UInt8(ascii: "}")) { reader throws(JSONParseError) in
            let key = try reader.parseKey()
            let range = try reader.skipValue()
            members.append((key: key, value: range))
        }
        return members
    }

    /// The ranges of the elements of the array at the current position.
    mutating func arrayElements() throws(JSONParseError) -> [Range<Int>] {
        let byte = try peekPastWhitespace()
        guard byte == UInt8(ascii: "[") else { throw error(.unexpectedByte(byte, expected: "'['")) }
        var elements: [Range<Int>] = []
        try skipContainer(close: UInt8(ascii: "]")) { reader throws(JSONParseError) in
            elements.append(try reader.skipValue())
        }
        return elements
    }

    /// Checks the value at the current position without building it (strings and numbers are
    /// decoded and dropped); returns its byte range.
    @discardableResult
    private mutating func skipValue() throws(JSONParseError) -> Range<Int> {
        let byte = try peekPastWhitespace()
        let start = position
        switch byte {
        case UInt8(ascii: "{"):
            try skipContainer(close: UInt8(ascii: "}")) { reader throws(JSONParseError) in
                _ = try reader.parseKey()
                try reader.skipValue()
            }
        case UInt8(ascii: "["):
            try skipContainer(close: UInt8(ascii: "]")) { reader throws(JSONParseError) in try reader.skipValue() }
        default:
            _ = try parseValue()
        }
        return start..<position
    }

    /// A key and its colon.
    private mutating func parseKey() throws(JSONParseError) -> String {
        let byte = try peekPastWhitespace()
        guard byte == UInt8(ascii: "\"") else { throw error(.unexpectedByte(byte, expected: "a string key")) }
        let key = try parseString()
        let colon = try peekPastWhitespace()
        guard colon == UInt8(ascii: ":") else { throw error(.unexpectedByte(colon, expected: "':'")) }
        position += 1
        return key
    }

    /// An object or array (opening byte at the current position): `element` reads each member or
    /// element, this reads the separators.
    private mutating func skipContainer(
        close: UInt8, element: (inout Reader) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enterContainer()
        defer { depth -= 1 }
        if try peekPastWhitespace() == close {
            position += 1
            return
        }
        while true {
            try element(&self)
            let separator = try peekPastWhitespace()
            position += 1
            switch separator {
            case UInt8(ascii: ","): continue
            case close: return
            default:
                let expected = close == UInt8(ascii: "}") ? "',' or '}'" : "',' or ']'"
                throw error(.unexpectedByte(separator, expected: expected), at: position - 1)
            }
        }
    }
}
