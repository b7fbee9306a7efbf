/// Splits text around added tokens as tokenizers' `AddedVocabulary` does: at each position the
/// longest token starting there wins (leftmost-longest), `single_word` tokens only match between
/// non-word characters, and `lstrip` / `rstrip` take the adjacent whitespace into the token.
struct AddedTokenMatcher: Sendable {
    private let tokens: [(bytes: [UInt8], token: AddedToken)]

    init(_ tokens: [AddedToken]) {
        self.tokens = tokens.filter { !$0.content.isEmpty }
            .map { (Array($0.content.utf8), $0) }
            .sorted { $0.bytes.count > $1.bytes.count }
    }

    var isEmpty: Bool { tokens.isEmpty }

    func split(_ piece: TextPiece) -> [TextPiece] {
        guard piece.token == nil, !tokens.isEmpty else { return [piece] }
        let bytes = Array(piece.text.utf8)
        var pieces: [TextPiece] = []
        var consumed = 0
        var position = 0
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while position < bytes.count {
            guard let match = longestMatch(in: bytes, at: position) else {
                position += 1
                continue
            }
            var start = position
            var stop = position + match.bytes.count
            if match.token.singleWord {
                let before = start == 0 || !Self.endsWithWordCharacter(text(0..<start))
                let after = stop == bytes.count || !Self.startsWithWordCharacter(text(stop..<bytes.count))
                guard before && after else {
                    // Matches do not overlap: the search resumes after this one, as tokenizers' does.
                    position = stop
                    continue
                }
            }
            if match.token.leftStrip {
                start = max(consumed, start - Self.trailingWhitespaceBytes(text(0..<start)))
            }
            if match.token.rightStrip {
                stop += Self.leadingWhitespaceBytes(text(stop..<bytes.count))
            }
            if consumed < start {
                pieces.append(TextPiece(text: text(consumed..<start), startsInput: piece.startsInput && consumed == 0, token: nil))
            }
            pieces.append(TextPiece(text: text(start..<stop), startsInput: piece.startsInput && start == 0, token: match.token.id))
            consumed = stop
            position = stop
        }
        if consumed < bytes.count {
            pieces.append(TextPiece(text: text(consumed..<bytes.count), startsInput: piece.startsInput && consumed == 0, token: nil))
        }
        return pieces
    }

    private func longestMatch(in bytes: [UInt8], at position: Int) -> (bytes: [UInt8], token: AddedToken)? {
        tokens.first { candidate in
            candidate.bytes.count <= bytes.count - position
                && bytes[position..<(position + candidate.bytes.count)].elementsEqual(candidate.bytes)
        }
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func endsWithWordCharacter(_ text: String) -> Bool {
        text.unicodeScalars.last.map(isWordCharacter) ?? false
    }

    private static func startsWithWordCharacter(_ text: String) -> Bool {
        text.unicodeScalars.first.map(isWordCharacter) ?? false
    }

    private static func trailingWhitespaceBytes(_ text: String) -> Int {
        text.unicodeScalars.reversed().prefix { $0.properties.isWhitespace }.reduce(0) { $0 + UTF8.width($1) }
    }

    private static func leadingWhitespaceBytes(_ text: String) -> Int {
        text.unicodeScalars.prefix { $0.properties.isWhitespace }.reduce(0) { $0 + UTF8.width($1) }
    }
}
