public import MergeKitTensor
import Glibc

/// A safetensors file, index or output shard that cannot be used: the file, the tensor when one
/// is to blame, and the rule it broke with the numbers involved.
public struct SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let tensor: String?
    public let kind: Kind

    public init(file: String, tensor: String? = nil, kind: Kind) {
        self.file = file
        self.tensor = tensor
        self.kind = kind
    }

    /// One case per rule; each carries what was found and, where there is one, what was needed.
    /// Offsets in tensor cases are relative to the data section, as in the header.
    public enum Kind: Sendable, Equatable {
        // I/O
        case cannotOpen(SystemError)
        case notARegularFile
        case readFailed(SystemError)
        case writeFailed(SystemError)
        /// The file was shorter than when it was opened and mapped (truncated or rewritten while
        /// it was read); `currentSize` is nil when it cannot be determined.
        case changedWhileMapped(mappedSize: Int, currentSize: Int?)

        // Framing
        /// The file is shorter than the 8-byte header length.
        case fileTooSmall(byteCount: Int)
        /// The declared header length is over the limit.
        case headerTooLarge(declared: UInt64, limit: Int)
        /// 8 + the declared header length is past the end of the file.
        case headerExceedsFile(declared: UInt64, fileSize: Int)
        /// The header is not UTF-8; the offset is within the header.
        case headerNotUTF8(byteOffset: Int)
        case invalidJSON(JSONParseError)
        /// The header or index is valid JSON but not an object; `found` is its JSON type.
        case topLevelNotAnObject(found: String)
        /// A key appears twice in an object other than the top level (`object` names it).
        case duplicateKey(String, object: String)

        // `__metadata__`
        case metadataNotAnObject(found: String)
        case metadataValueNotAString(key: String, found: String)

        // Tensor entries
        case duplicateTensorName
        case tensorEntryNotAnObject(found: String)
        case missingField(String)
        case unexpectedField(String)
        case invalidFieldType(field: String, expected: String, found: String)
        case unknownDType(String)
        /// `shape[index]` is not a non-negative integer that fits in `Int`.
        case invalidDimension(index: Int, found: String)
        case elementCountOverflow(shape: [Int])
        case byteCountOverflow(shape: [Int], dtype: DType)
        /// `data_offsets` is not two non-negative integers that fit in `Int`.
        case invalidDataOffsets(found: String)
        case offsetsReversed(begin: Int, end: Int)
        case sizeMismatch(begin: Int, end: Int, shape: [Int], dtype: DType, needed: Int)
        /// Sorted by offset, this tensor starts after the previous one ends (or after 0).
        case gapBeforeTensor(expectedBegin: Int, begin: Int)
        /// Sorted by offset, this tensor starts before `previous` ends.
        case overlapsPrevious(previous: String, previousEnd: Int, begin: Int)
        /// The tensor ends past the end of the data section.
        case dataPastEnd(end: Int, dataSectionSize: Int)
        /// The tensors end before the file does.
        case trailingBytes(dataEnd: Int, dataSectionSize: Int)

        // model.safetensors.index.json
        /// A weight_map shard that is not a plain file name in the index's folder.
        case invalidShardName(String)
    }

    public var description: String {
        let subject = tensor.map { "\(file): tensor '\($0)': " } ?? "\(file): "
        return subject + kind.description
    }
}

extension SafetensorsError.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .cannotOpen(let error):
            return "cannot open: \(error.reason)"
        case .notARegularFile:
            return "not a regular file"
        case .readFailed(let error):
            return "cannot read: \(error)"
        case .writeFailed(let error):
            return Self.describeWriteFailure(error)
        case .changedWhileMapped(let mappedSize, let currentSize):
            let now = currentSize.map { "\($0) bytes now" } ?? "shorter now"
            return "the file changed while it was being read: it was \(mappedSize) bytes when opened and is \(now) (truncated or rewritten during the merge?)"
        case .fileTooSmall(let byteCount):
            return "file is \(byteCount) bytes; a safetensors file starts with an 8-byte header length"
        case .headerTooLarge(let declared, let limit):
            return "header length \(declared) exceeds the limit of \(limit) bytes"
        case .headerExceedsFile(let declared, let fileSize):
            return "header length \(declared) runs past the end of the file (8 + \(declared) > \(fileSize) bytes)"
        case .headerNotUTF8(let byteOffset):
            return "header is not valid UTF-8 (header byte \(byteOffset))"
        case .invalidJSON(let error):
            return "invalid JSON: \(error)"
        case .topLevelNotAnObject(let found):
            return "expected a JSON object at the top level, found \(found)"
        case .duplicateKey(let key, let object):
            return "duplicate key '\(key)' in \(object)"
        case .metadataNotAnObject(let found):
            return "__metadata__ must be an object of strings, found \(found)"
        case .metadataValueNotAString(let key, let found):
            return "__metadata__ value for '\(key)' must be a string, found \(found)"
        case .duplicateTensorName:
            return "duplicate tensor name"
        case .tensorEntryNotAnObject(let found):
            return "entry must be an object with dtype, shape and data_offsets, found \(found)"
        case .missingField(let field):
            return "missing '\(field)'"
        case .unexpectedField(let field):
            return "unexpected key '\(field)'"
        case .invalidFieldType(let field, let expected, let found):
            return "'\(field)' must be \(expected), found \(found)"
        case .unknownDType(let name):
            let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown dtype '\(name)' (known: \(known))"
        case .invalidDimension(let index, let found):
            return "shape[\(index)] must be a non-negative integer, found \(found)"
        case .elementCountOverflow(let shape):
            return "element count of shape \(shape) overflows"
        case .byteCountOverflow(let shape, let dtype):
            return "byte count of \(shape) × \(dtype.rawValue) overflows"
        case .invalidDataOffsets(let found):
            return "data_offsets must be two non-negative integers [begin, end], found \(found)"
        case .offsetsReversed(let begin, let end):
            return "data_offsets [\(begin), \(end)) end before they begin"
        case .sizeMismatch(let begin, let end, let shape, let dtype, let needed):
            return "data_offsets [\(begin), \(end)) hold \(end - begin) bytes; \(shape) × \(dtype.rawValue) needs \(needed)"
        case .gapBeforeTensor(let expectedBegin, let begin):
            return "data starts at \(begin), leaving a gap after offset \(expectedBegin) (tensor data must be contiguous)"
        case .overlapsPrevious(let previous, let previousEnd, let begin):
            return "data starts at \(begin), inside tensor '\(previous)' which ends at \(previousEnd)"
        case .dataPastEnd(let end, let dataSectionSize):
            return "data ends at \(end), past the end of the \(dataSectionSize)-byte data section"
        case .trailingBytes(let dataEnd, let dataSectionSize):
            return "tensors end at \(dataEnd) but the data section has \(dataSectionSize) bytes (\(dataSectionSize - dataEnd) trailing)"
        case .invalidShardName(let name):
            return "shard '\(name)' must be a plain file name (no '/', not '.' or '..')"
        }
    }

    private static func describeWriteFailure(_ error: SystemError) -> String {
        switch error.code {
        case ENOSPC: return "no space left on device while writing (\(error.call))"
        case EDQUOT: return "disk quota exceeded while writing (\(error.call))"
        case EFBIG: return "file too large for the file system while writing (\(error.call))"
        default: return "write failed: \(error)"
        }
    }
}
