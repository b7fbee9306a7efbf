import MergeKitSafetensors

/// The table of contents of a zip archive, read from its central directory (ZIP64 included),
/// with each entry's data located by its local header. Nothing is decompressed: torch.save
/// stores its members uncompressed, so a member's bytes can be used in place in a memory map.
///
/// Every number comes from the file and is checked: offsets and sizes lie inside the file and
/// before the central directory, counts are bounded by the bytes that would hold them.
public struct ZipArchive: Sendable {
    public let file: String
    /// The entries in central directory order.
    public let entries: [ZipEntry]
    private let indexByName: [ByteString: Int]

    public func entry(named name: String) -> ZipEntry? {
        indexByName[ByteString(name)].map { entries[$0] }
    }

    private enum Signature {
        static let localHeader: UInt32 = 0x0403_4B50
        static let centralHeader: UInt32 = 0x0201_4B50
        static let endOfCentralDirectory: UInt32 = 0x0605_4B50
        static let zip64EndOfCentralDirectory: UInt32 = 0x0606_4B50
        static let zip64Locator: UInt32 = 0x0706_4B50
    }

    private static let endRecordSize = 22
    private static let zip64LocatorSize = 20
    private static let zip64RecordSize = 56
    private static let centralHeaderSize = 46
    private static let localHeaderSize = 30
    private static let maxCommentLength = 0xFFFF
    private static let zip64ExtraID: UInt16 = 0x0001

    /// Reads the central directory of the archive whose bytes are `bytes`; `file` names it in errors.
    /// `consumed` is called with the bytes of each local header once it is read (local headers
    /// are spread over the whole file, one before each member: a reader of a memory map drops
    /// their pages there, so opening a large archive does not fault in a page per member).
    public static func read(
        _ bytes: UnsafeRawBufferPointer, file: String, consumed: ((Range<Int>) -> Void)? = nil
    ) throws(ZipArchiveError) -> ZipArchive {
        let reader = LittleEndianReader(bytes: bytes)
        func fail(_ kind: ZipArchiveError.Kind) -> ZipArchiveError { ZipArchiveError(file: file, kind: kind) }

        guard let end = findEndRecord(reader) else {
            throw fail(.endOfCentralDirectoryNotFound(fileSize: reader.count))
        }
        let directory = try centralDirectory(reader, endRecord: end, fail: fail)
        guard directory.offset <= UInt64(directory.limit),
              directory.size <= UInt64(directory.limit) - directory.offset else {
            throw fail(.centralDirectoryOutOfBounds(offset: directory.offset, size: directory.size, end: directory.limit))
        }
        let start = Int(directory.offset)
        let stop = start + Int(directory.size)

        var entries: [ZipEntry] = []
        var indexByName: [ByteString: Int] = [:]
        var position = start
        // Each entry takes at least a fixed-size header, which bounds the loop and the storage.
        let possible = UInt64((stop - start) / centralHeaderSize)
        entries.reserveCapacity(Int(min(directory.entryCount, possible)))
        while UInt64(entries.count) < directory.entryCount {
            guard position + centralHeaderSize <= stop else {
                throw fail(.centralDirectoryTruncated(declared: directory.entryCount, read: entries.count))
            }
            let (entry, next) = try centralEntry(reader, at: position, directory: start..<stop, fail: fail)
            consumed?(entry.localHeaderRange)
            guard indexByName[ByteString(entry.name)] == nil else { throw fail(.duplicateEntry(entry.name)) }
            indexByName[ByteString(entry.name)] = entries.count
            entries.append(entry)
            position = next
        }
        return ZipArchive(file: file, entries: entries, indexByName: indexByName)
    }

    /// The offset of the end-of-central-directory record: the last signature whose comment
    /// length runs exactly to the end of the file.
    private static func findEndRecord(_ reader: LittleEndianReader) -> Int? {
        guard reader.count >= endRecordSize else { return nil }
        let lowest = max(0, reader.count - endRecordSize - maxCommentLength)
        var offset = reader.count - endRecordSize
        while offset >= lowest {
            if reader.u32(offset) == Signature.endOfCentralDirectory,
               let comment = reader.u16(offset + 20), offset + endRecordSize + Int(comment) == reader.count {
                return offset
            }
            offset -= 1
        }
        return nil
    }

    private struct CentralDirectory {
        var offset: UInt64
        var size: UInt64
        var entryCount: UInt64
        /// Where the central directory must end: the first record after it.
        var limit: Int
    }

    private static func centralDirectory(
        _ reader: LittleEndianReader, endRecord end: Int, fail: (ZipArchiveError.Kind) -> ZipArchiveError
    ) throws(ZipArchiveError) -> CentralDirectory {
        // Fields of the classic record; the reader was bounds-checked by findEndRecord.
        let disk = reader.u16(end + 4) ?? 0
        let directoryDisk = reader.u16(end + 6) ?? 0
        var directory = CentralDirectory(
            offset: UInt64(reader.u32(end + 16) ?? 0), size: UInt64(reader.u32(end + 12) ?? 0),
            entryCount: UInt64(reader.u16(end + 10) ?? 0), limit: end)
        let locator = end - zip64LocatorSize
        guard locator >= 0, reader.u32(locator) == Signature.zip64Locator else {
            guard disk == 0, directoryDisk == 0 else { throw fail(.multipleDisks) }
            return directory
        }
        guard let recordOffset = reader.u64(locator + 8) else { throw fail(.invalidZip64Record(offset: 0)) }
        guard let record = Int(exactly: recordOffset), record <= locator - zip64RecordSize,
              reader.u32(record) == Signature.zip64EndOfCentralDirectory,
              let recordDisk = reader.u32(record + 16), let recordDirectoryDisk = reader.u32(record + 20),
              let entryCount = reader.u64(record + 32), let size = reader.u64(record + 40),
              let offset = reader.u64(record + 48) else {
            throw fail(.invalidZip64Record(offset: recordOffset))
        }
        guard recordDisk == 0, recordDirectoryDisk == 0, reader.u32(locator + 16) ?? 1 <= 1 else {
            throw fail(.multipleDisks)
        }
        directory = CentralDirectory(offset: offset, size: size, entryCount: entryCount, limit: record)
        return directory
    }

    /// Reads the central directory entry at `offset` and its local header; returns the entry
    /// and the offset of the next central entry.
    private static func centralEntry(
        _ reader: LittleEndianReader, at offset: Int, directory: Range<Int>,
        fail: (ZipArchiveError.Kind) -> ZipArchiveError
    ) throws(ZipArchiveError) -> (ZipEntry, Int) {
        guard reader.u32(offset) == Signature.centralHeader,
              let flags = reader.u16(offset + 8), let method = reader.u16(offset + 10),
              let compressed32 = reader.u32(offset + 20), let uncompressed32 = reader.u32(offset + 24),
              let nameLength = reader.u16(offset + 28), let extraLength = reader.u16(offset + 30),
              let commentLength = reader.u16(offset + 32), let localOffset32 = reader.u32(offset + 42) else {
            throw fail(.badCentralHeader(offset: offset))
        }
        let nameStart = offset + centralHeaderSize
        let next = nameStart + Int(nameLength) + Int(extraLength) + Int(commentLength)
        guard next <= directory.upperBound,
              let nameBytes = reader.slice(nameStart, length: Int(nameLength)),
              let extra = reader.slice(nameStart + Int(nameLength), length: Int(extraLength)) else {
            throw fail(.badCentralHeader(offset: offset))
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        let directoryStart = directory.lowerBound

        // ZIP64: each field that is all ones is given, in this order, by the 0x0001 extra field.
        var compressed = UInt64(compressed32)
        var uncompressed = UInt64(uncompressed32)
        var localOffset = UInt64(localOffset32)
        let ones = UInt64(UInt32.max)
        if compressed == ones || uncompressed == ones || localOffset == ones {
            guard let fields = zip64Fields(LittleEndianReader(bytes: extra)) else {
                throw fail(.missingZip64Field(entry: name))
            }
            var position = 0
            func take() -> UInt64? {
                defer { position += 8 }
                return fields.u64(position)
            }
            if uncompressed == ones { guard let value = take() else { throw fail(.missingZip64Field(entry: name)) }; uncompressed = value }
            if compressed == ones { guard let value = take() else { throw fail(.missingZip64Field(entry: name)) }; compressed = value }
            if localOffset == ones { guard let value = take() else { throw fail(.missingZip64Field(entry: name)) }; localOffset = value }
        }

        guard let local = Int(exactly: localOffset), local < directoryStart,
              reader.u32(local) == Signature.localHeader,
              let localName = reader.u16(local + 26), let localExtra = reader.u16(local + 28) else {
            throw fail(.badLocalHeader(entry: name, offset: Int(clamping: localOffset)))
        }
        let dataStart = local + localHeaderSize + Int(localName) + Int(localExtra)
        guard dataStart <= directoryStart,
              compressed <= UInt64(directoryStart - dataStart),
              let uncompressedSize = Int(exactly: uncompressed) else {
            throw fail(.entryOutOfBounds(entry: name, begin: dataStart, size: compressed, limit: directoryStart))
        }
        let entry = ZipEntry(
            name: name, method: method, isEncrypted: flags & 1 != 0, localHeaderRange: local..<dataStart,
            dataRange: dataStart..<(dataStart + Int(compressed)), uncompressedSize: uncompressedSize)
        if method == ZipEntry.stored, entry.dataRange.count != uncompressedSize {
            throw fail(.storedSizeMismatch(entry: name, compressed: entry.dataRange.count, uncompressed: uncompressedSize))
        }
        return (entry, next)
    }

    /// The data of the ZIP64 extended information field among `extra`'s fields, if present.
    private static func zip64Fields(_ extra: LittleEndianReader) -> LittleEndianReader? {
        var position = 0
        while let id = extra.u16(position), let size = extra.u16(position + 2) {
            guard let data = extra.slice(position + 4, length: Int(size)) else { return nil }
            if id == zip64ExtraID { return LittleEndianReader(bytes: data) }
            position += 4 + Int(size)
        }
        return nil
    }
}
