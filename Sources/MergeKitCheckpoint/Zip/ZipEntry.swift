/// One member of a zip archive, located: where its bytes are in the archive file.
public struct ZipEntry: Sendable, Equatable {
    public let name: String
    /// The compression method: 0 is stored, 8 is deflate.
    public let method: UInt16
    public let isEncrypted: Bool
    /// The member's local header (its fixed part, name and extra field) in the file.
    public let localHeaderRange: Range<Int>
    /// The bytes as stored in the file (compressed, if the method compresses).
    public let dataRange: Range<Int>
    public let uncompressedSize: Int

    public static let stored: UInt16 = 0

    /// Whether the bytes in `dataRange` are the member's contents as they are.
    public var isStored: Bool { method == Self.stored && !isEncrypted }
}
