/// GPT-2's reversible map from bytes to printable characters, used by byte-level BPE: the 188
/// printable Latin-1 bytes stand for themselves, the others for U+0100 onwards in byte order.
enum ByteLevelAlphabet {
    static let characters: [Unicode.Scalar] = {
        var printable = Array(UInt8(ascii: "!")...UInt8(ascii: "~")) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        printable.sort()
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if printable.contains(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// `text`'s UTF-8 bytes, each as its character.
    static func encode(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for byte in text.utf8 { result.append(characters[Int(byte)]) }
        return String(result)
    }
}
