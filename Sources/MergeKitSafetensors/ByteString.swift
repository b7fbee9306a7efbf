/// A string that is equal, hashed and ordered by its UTF-8 bytes.
///
/// Swift's `String` equality is canonical equivalence: `"caf\u{E9}"` (NFC) and `"cafe\u{301}"`
/// (NFD) are `==`, and so are `"K"` and the Kelvin sign `"\u{212A}"`. In files, names are bytes:
/// two safetensors tensor names, two JSON keys or two Linux file names are different as soon as
/// their bytes differ (as in Python, Rust and the kernel). Sets and dictionaries of such names
/// are keyed by this type, and such names are compared through it, so none is taken for another.
public struct ByteString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The string, its bytes as read (Swift never normalises a `String`).
    public let string: String

    public init(_ string: String) {
        self.string = string
    }

    public init(stringLiteral value: String) {
        string = value
    }

    public var description: String { string }

    public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.string.utf8.count == rhs.string.utf8.count && lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    /// Byte order, which is also code point order (Python's `sorted` on `str`).
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        if hashed == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
        // A terminator, so a value hashed next to another cannot shift bytes between them.
        hasher.combine(UInt8(0xFF))
    }
}

extension String {
    /// Whether the two strings have the same UTF-8 bytes (not merely canonically equivalent).
    public func hasSameBytes(as other: String) -> Bool {
        ByteString(self) == ByteString(other)
    }

    /// Whether `part` occurs in this string as a run of bytes (equivalently, of code points:
    /// UTF-8 never matches inside another character's encoding). Python's `part in name`.
    public func containsBytes(of part: String) -> Bool {
        let haystack = Array(utf8)
        let needle = Array(part.utf8)
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
