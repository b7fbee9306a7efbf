import Foundation
@testable import MergeKitHub
import MergeKitTestSupport
import Testing

@Suite struct SHA256Tests {
    static func digest(_ text: String) -> String {
        var hasher = SHA256()
        hasher.update(Array(text.utf8))
        return hasher.hexDigest()
    }

    /// FIPS 180-4 examples and the NIST short-message vectors.
    @Test func knownDigests() {
        #expect(Self.digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.digest(String(repeating: "a", count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func piecesGiveTheSameDigestAsTheWhole() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        var whole = SHA256()
        whole.update(bytes)
        for pieceSize in [1, 7, 63, 64, 65, 1000] {
            var pieces = SHA256()
            var offset = 0
            while offset < bytes.count {
                pieces.update(bytes[offset..<min(offset + pieceSize, bytes.count)])
                offset += pieceSize
            }
            #expect(pieces.hexDigest() == whole.hexDigest(), "pieces of \(pieceSize)")
        }
    }

    @Test func filesAreHashedWhole() throws {
        let directory = try TemporaryDirectory()
        try Data("abc".utf8).write(to: URL(fileURLWithPath: directory.file("f")))
        let (digest, size) = try FileHasher.sha256(ofFile: directory.file("f"))
        #expect(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" && size == 3)
    }
}
