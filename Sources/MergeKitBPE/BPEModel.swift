/// tokenizers' BPE model: a word's Unicode scalars become vocabulary ids (unknown ones become
/// their UTF-8 bytes `<0xXX>` with byte fallback, else the unknown token, consecutive unknowns
/// fused with `fuse_unk`, else nothing), then the lowest-ranked merge among adjacent pairs is
/// applied, leftmost first, until none applies. With `ignore_merges` a word that is itself in
/// the vocabulary is taken whole. Strings are compared as UTF-8 bytes, never by Swift's
/// canonical equivalence.
struct BPEModel: Sendable {
    private struct Pair: Hashable {
        var left: Int
        var right: Int
    }

    private let vocabulary: [[UInt8]: Int]
    private let merges: [Pair: (rank: Int, merged: Int)]
    private let unknownID: Int?
    private let byteFallback: Bool
    private let fuseUnknown: Bool
    private let ignoreMerges: Bool

    init(
        vocabulary: [[UInt8]: Int], merges: [([UInt8], [UInt8])], unknownToken: String?, byteFallback: Bool,
        fuseUnknown: Bool, ignoreMerges: Bool, file: String
    ) throws(TokenizerError) {
        var table: [Pair: (rank: Int, merged: Int)] = [:]
        for (rank, merge) in merges.enumerated() {
            guard let left = vocabulary[merge.0], let right = vocabulary[merge.1] else {
                throw TokenizerError(file: file, "merge \(rank) ('\(String(decoding: merge.0, as: UTF8.self))' '\(String(decoding: merge.1, as: UTF8.self))') uses a token that is not in the vocabulary")
            }
            guard let merged = vocabulary[merge.0 + merge.1] else {
                throw TokenizerError(file: file, "merge \(rank) makes '\(String(decoding: merge.0 + merge.1, as: UTF8.self))', which is not in the vocabulary")
            }
            let pair = Pair(left: left, right: right)
            // As tokenizers builds its merge map: a repeated pair keeps its last rank.
            table[pair] = (rank, merged)
        }
        var unknownID: Int?
        if let unknownToken {
            guard let id = vocabulary[Array(unknownToken.utf8)] else {
                throw TokenizerError(file: file, "the unknown token '\(unknownToken)' is not in the vocabulary")
            }
            unknownID = id
        }
        self.vocabulary = vocabulary
        self.merges = table
        self.unknownID = unknownID
        self.byteFallback = byteFallback
        self.fuseUnknown = fuseUnknown
        self.ignoreMerges = ignoreMerges
    }

    func encode(_ word: String) -> [Int] {
        if ignoreMerges, let whole = vocabulary[Array(word.utf8)] { return [whole] }
        var symbols: [Int] = []
        var pendingUnknown = false
        for scalar in word.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if let id = vocabulary[bytes] {
                if pendingUnknown, let unknownID { symbols.append(unknownID) }
                pendingUnknown = false
                symbols.append(id)
                continue
            }
            if byteFallback {
                let fallback = bytes.map { vocabulary[Array(Self.byteToken($0).utf8)] }
                if fallback.allSatisfy({ $0 != nil }) {
                    // tokenizers does not flush a pending unknown before byte tokens.
                    symbols += fallback.compactMap { $0 }
                    continue
                }
            }
            guard let unknownID else { continue }
            if pendingUnknown && !fuseUnknown { symbols.append(unknownID) }
            pendingUnknown = true
        }
        if pendingUnknown, let unknownID { symbols.append(unknownID) }
        return merge(symbols)
    }

    private func merge(_ start: [Int]) -> [Int] {
        var symbols = start
        while symbols.count > 1 {
            var best: (position: Int, rank: Int, merged: Int)?
            for position in 0..<(symbols.count - 1) {
                guard let found = merges[Pair(left: symbols[position], right: symbols[position + 1])] else { continue }
                if best == nil || found.rank < best?.rank ?? Int.max {
                    best = (position, found.rank, found.merged)
                }
            }
            guard let best else { break }
            symbols[best.position] = best.merged
            symbols.remove(at: best.position + 1)
        }
        return symbols
    }

    /// `<0x0A>`: tokenizers' name of a byte token.
    static func byteToken(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }
}
