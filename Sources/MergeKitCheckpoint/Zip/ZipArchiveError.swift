/// A zip archive that cannot be read: the file, and what is wrong with the numbers found.
public struct ZipArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let kind: Kind

    public init(file: String, kind: Kind) {
        self.file = file
        self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
        /// No end-of-central-directory record in the last 64 KiB: truncated, or not a zip.
        case endOfCentralDirectoryNotFound(fileSize: Int)
        /// The ZIP64 locator points outside the file or at something that is not a ZIP64 record.
        case invalidZip64Record(offset: UInt64)
        /// Archives split over several disks are not zip files torch writes.
        case multipleDisks
        /// The central directory [offset, offset + size) does not lie before its end record.
        case centralDirectoryOutOfBounds(offset: UInt64, size: UInt64, end: Int)
        /// The central directory ends before all `declared` entries were read.
        case centralDirectoryTruncated(declared: UInt64, read: Int)
        /// A central directory entry does not start with its signature.
        case badCentralHeader(offset: Int)
        /// A size or offset is 0xFFFFFFFF but the ZIP64 extra field does not give it.
        case missingZip64Field(entry: String)
        /// A local file header is missing, or its name and extra fields run past the file.
        case badLocalHeader(entry: String, offset: Int)
        /// The entry's bytes [begin, end) do not lie before the central directory.
        case entryOutOfBounds(entry: String, begin: Int, size: UInt64, limit: Int)
        /// A stored entry whose compressed and uncompressed sizes differ.
        case storedSizeMismatch(entry: String, compressed: Int, uncompressed: Int)
        /// Two entries with the same name.
        case duplicateEntry(String)
    }

    public var description: String { "\(file): \(kind)" }
}

extension ZipArchiveError.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .endOfCentralDirectoryNotFound(let fileSize):
            return "not a complete zip archive: no end-of-central-directory record in its last bytes (file is \(fileSize) bytes; truncated?)"
        case .invalidZip64Record(let offset):
            return "the ZIP64 end-of-central-directory locator points at offset \(offset), where there is no ZIP64 record"
        case .multipleDisks:
            return "zip archives split over several disks are not supported"
        case .centralDirectoryOutOfBounds(let offset, let size, let end):
            return "the central directory at offset \(offset) (\(size) bytes) does not end before its end record at \(end) (truncated?)"
        case .centralDirectoryTruncated(let declared, let read):
            return "the central directory declares \(declared) entries but holds only \(read)"
        case .badCentralHeader(let offset):
            return "no central directory entry signature at offset \(offset)"
        case .missingZip64Field(let entry):
            return "entry '\(entry)': a size or offset is 0xFFFFFFFF but its ZIP64 extra field does not give it"
        case .badLocalHeader(let entry, let offset):
            return "entry '\(entry)': no valid local file header at offset \(offset)"
        case .entryOutOfBounds(let entry, let begin, let size, let limit):
            return "entry '\(entry)': \(size) bytes from offset \(begin) run past \(limit), where its data must end (truncated?)"
        case .storedSizeMismatch(let entry, let compressed, let uncompressed):
            return "entry '\(entry)': stored without compression but its sizes differ (\(compressed) vs \(uncompressed) bytes)"
        case .duplicateEntry(let name):
            return "entry '\(name)' appears twice"
        }
    }
}
