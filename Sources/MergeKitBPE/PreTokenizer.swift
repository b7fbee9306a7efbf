/// tokenizers' pre-tokenizers the prompt encoder implements: each splits a piece into the words
/// the model encodes separately (and may rewrite them, as ByteLevel and Metaspace do).
indirect enum PreTokenizer: Sendable {
    /// How a Split pre-tokenizer treats the matches of its pattern.
    enum SplitBehavior: String, Sendable {
        case removed = "Removed"
        case isolated = "Isolated"
        case mergedWithPrevious = "MergedWithPrevious"
        case mergedWithNext = "MergedWithNext"
        case contiguous = "Contiguous"
    }

    enum PrependScheme: String, Sendable {
        case always, first, never
    }

    /// GPT-2's split: contractions, letters, digits, other symbols, whitespace runs.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// `splitPattern` is GPT-2's pattern when `use_regex` is set.
    case byteLevel(addPrefixSpace: Bool, splitPattern: TextPattern?)
    case split(TextPattern, SplitBehavior)
    case metaspace(replacement: String, prependScheme: PrependScheme, split: Bool)
    case sequence([PreTokenizer])

    func apply(_ pieces: [TextPiece]) -> [TextPiece] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(pieces) { $1.apply($0) }
        default:
            return pieces.flatMap { piece -> [TextPiece] in
                guard piece.token == nil else { return [piece] }
                return apply(to: piece).filter { !$0.text.isEmpty }
            }
        }
    }

    private func apply(to piece: TextPiece) -> [TextPiece] {
        switch self {
        case .byteLevel(let addPrefixSpace, let splitPattern):
            var text = piece.text
            if addPrefixSpace && !text.hasPrefix(" ") { text = " " + text }
            let whole = TextPiece(text: text, startsInput: piece.startsInput, token: nil)
            let words = splitPattern.map { Self.split(whole, at: $0.matches(in: text), .isolated) } ?? [whole]
            return words.map { TextPiece(text: ByteLevelAlphabet.encode($0.text), startsInput: $0.startsInput, token: nil) }
        case .split(let pattern, let behavior):
            return Self.split(piece, at: pattern.matches(in: piece.text), behavior)
        case .metaspace(let replacement, let scheme, let split):
            var text = piece.text.replacingOccurrences(of: " ", with: replacement)
            let prepend = switch scheme {
            case .always: true
            case .first: piece.startsInput
            case .never: false
            }
            if prepend && !text.hasPrefix(replacement) { text = replacement + text }
            let rewritten = TextPiece(text: text, startsInput: piece.startsInput, token: nil)
            guard split else { return [rewritten] }
            return Self.split(rewritten, at: TextPattern(literal: replacement).matches(in: text), .mergedWithNext)
        case .sequence:
            return apply([piece])
        }
    }

    /// `piece` cut at `matches` (UTF-8 byte ranges), keeping or attaching the matches per
    /// `behavior`, as tokenizers' `NormalizedString::split`.
    static func split(_ piece: TextPiece, at matches: [Range<Int>], _ behavior: SplitBehavior) -> [TextPiece] {
        // (range, is it a match) covering the whole text in order.
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        var position = 0
        let count = piece.text.utf8.count
        for match in matches {
            if position < match.lowerBound { parts.append((position..<match.lowerBound, false)) }
            parts.append((match, true))
            position = match.upperBound
        }
        if position < count { parts.append((position..<count, false)) }

        var ranges: [Range<Int>] = []
        switch behavior {
        case .isolated:
            ranges = parts.map(\.range)
        case .removed:
            ranges = parts.filter { !$0.isMatch }.map(\.range)
        case .mergedWithPrevious:
            // A match joins the part before it, unless that part is a match too.
            var previousIsMatch = false
            for part in parts {
                if part.isMatch, !previousIsMatch, let last = ranges.last {
                    ranges[ranges.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    ranges.append(part.range)
                }
                previousIsMatch = part.isMatch
            }
        case .mergedWithNext:
            // A match joins the part after it, unless that part is a match too.
            var nextIsMatch = false
            for part in parts.reversed() {
                if part.isMatch, !nextIsMatch, let last = ranges.last {
                    ranges[ranges.count - 1] = part.range.lowerBound..<last.upperBound
                } else {
                    ranges.append(part.range)
                }
                nextIsMatch = part.isMatch
            }
            ranges.reverse()
        case .contiguous:
            // Neighbouring parts of the same kind (in practice: adjacent matches) become one.
            var previousIsMatch = false
            for part in parts {
                if part.isMatch == previousIsMatch, let last = ranges.last {
                    ranges[ranges.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    ranges.append(part.range)
                }
                previousIsMatch = part.isMatch
            }
        }
        let bytes = Array(piece.text.utf8)
        return ranges.map { range in
            TextPiece(text: String(decoding: bytes[range], as: UTF8.self),
                      startsInput: piece.startsInput && range.lowerBound == 0, token: nil)
        }
    }
}
