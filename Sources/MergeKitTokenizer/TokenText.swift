/// A token's text as a dictionary key, compared and hashed by its UTF-8 bytes. Python (and so
/// mergekit and transformers) compares strings code point by code point, so two canonically
/// equivalent spellings (`é` and `e` + U+0301) are different tokens; Swift's `String` would take
/// them for one, and hashes non-ASCII text far more slowly.
struct TokenText: Hashable, Sendable {
    let string: String

    init(_ string: String) {
        var contiguous = string
        contiguous.makeContiguousUTF8()
        self.string = contiguous
    }

    static func == (lhs: TokenText, rhs: TokenText) -> Bool {
        lhs.withBytes { left in rhs.withBytes { right in left.elementsEqual(right) } }
    }

    func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    private func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var string = string
        return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
