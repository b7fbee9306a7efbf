/// A `pattern` of tokenizer.json (`{"String": …}` or `{"Regex": …}`), found in text as
/// tokenizers finds it: literally, or by an Oniguruma-style regular expression matched on
/// Unicode scalars (Swift's regex syntax covers the constructs tokenizers use: `\p{L}`, `\s`,
/// lookahead, `(?i:…)`, bounded repetition).
///
/// `Regex<AnyRegexOutput>` is not `Sendable`; a compiled pattern is never mutated after `init`
/// and matching does not change it, so sharing it between threads is safe.
struct TextPattern: @unchecked Sendable {
    private enum Kind {
        case literal(String)
        case regex(Regex<AnyRegexOutput>)
    }

    private let kind: Kind

    init(literal: String) {
        kind = .literal(literal)
    }

    init(regex pattern: String) throws {
        kind = .regex(try Regex(pattern).matchingSemantics(.unicodeScalar))
    }

    /// The non-overlapping matches in `text`, left to right, as UTF-8 byte ranges.
    func matches(in text: String) -> [Range<Int>] {
        switch kind {
        case .literal(let literal):
            let needle = Array(literal.utf8)
            let haystack = Array(text.utf8)
            guard !needle.isEmpty else { return [] }
            var result: [Range<Int>] = []
            var position = 0
            while position + needle.count <= haystack.count {
                if haystack[position..<(position + needle.count)].elementsEqual(needle) {
                    result.append(position..<(position + needle.count))
                    position += needle.count
                } else {
                    position += 1
                }
            }
            return result
        case .regex(let regex):
            return text.matches(of: regex).compactMap { match in
                guard !match.range.isEmpty else { return nil }
                return text.utf8.distance(from: text.startIndex, to: match.range.lowerBound)
                    ..< text.utf8.distance(from: text.startIndex, to: match.range.upperBound)
            }
        }
    }
}
