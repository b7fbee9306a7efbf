import MergeKitTensor

/// A validated safetensors header.
///
/// `parse` enforces every rule of the format (huggingface/safetensors `read_metadata` and
/// `Metadata::validate`, plus the README's "no duplicate keys"), so later code can index the data
/// section without further checks.
public struct SafetensorsHeader: Sendable {
    /// Headers above this are rejected before anything is allocated, as safetensors does.
    public static let maximumHeaderLength = 100_000_000

    /// `__metadata__`, if the header has one.
    public let metadata: [String: String]?
    /// The tensors sorted by offset (then by name bytes, for empty tensors sharing an offset).
    /// Names are distinct as bytes: two names that differ only in Unicode normalisation are two
    /// tensors (see `ByteString`).
    public let tensors: [TensorInfo]
    /// N, the JSON header's length in bytes as declared in the first 8 bytes.
    public let headerLength: Int
    /// 8 + N: where the data section starts in the file.
    public var dataOffset: Int { 8 + headerLength }

    /// Validates the header of a whole safetensors file held in `fileBytes`; `file` names it in
    /// errors.
    public static func parse(fileBytes: UnsafeRawBufferPointer, file: String) throws(SafetensorsError) -> SafetensorsHeader {
        try parse(prefix: fileBytes, fileSize: fileBytes.count, file: file)
    }

    /// Validates the header of a safetensors file of `fileSize` bytes from its first bytes only:
    /// `prefix` must hold at least the 8-byte length and the JSON header (for a file read
    /// remotely with range requests, where the data section is never fetched).
    public static func parse(prefix: UnsafeRawBufferPointer, fileSize: Int, file: String) throws(SafetensorsError) -> SafetensorsHeader {
        func fail(_ kind: SafetensorsError.Kind, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: file, tensor: tensor, kind: kind)
        }
        guard fileSize >= 8, prefix.count >= 8 else { throw fail(.fileTooSmall(byteCount: min(fileSize, prefix.count))) }
        let declared = UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(maximumHeaderLength) else {
            throw fail(.headerTooLarge(declared: declared, limit: maximumHeaderLength))
        }
        let headerLength = Int(declared)
        guard headerLength <= fileSize - 8 else {
            throw fail(.headerExceedsFile(declared: declared, fileSize: fileSize))
        }
        guard headerLength <= prefix.count - 8 else {
            throw fail(.headerExceedsFile(declared: declared, fileSize: prefix.count))
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: prefix[8..<(8 + headerLength)])
        if let offset = UTF8Validation.firstInvalidOffset(in: headerBytes) {
            throw fail(.headerNotUTF8(byteOffset: offset))
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(headerBytes)
        } catch {
            throw mapParseError(error, file: file)
        }
        guard let entries = root.objectValue else {
            throw fail(.topLevelNotAnObject(found: root.typeDescription))
        }

        var metadata: [String: String]?
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            if entry.key.hasSameBytes(as: "__metadata__") {
                metadata = try parseMetadata(entry.value, file: file)
            } else {
                tensors.append(try parseTensor(named: entry.key, entry.value, file: file))
            }
        }
        tensors.sort { lhs, rhs in
            (lhs.byteRange.lowerBound, lhs.byteRange.upperBound) < (rhs.byteRange.lowerBound, rhs.byteRange.upperBound)
                || (lhs.byteRange == rhs.byteRange && ByteString(lhs.name) < ByteString(rhs.name))
        }

        let dataSectionSize = fileSize - 8 - headerLength
        var expectedBegin = 0
        var previous: String?
        for tensor in tensors {
            let range = tensor.byteRange
            if range.lowerBound > expectedBegin {
                throw fail(.gapBeforeTensor(expectedBegin: expectedBegin, begin: range.lowerBound), tensor: tensor.name)
            }
            if range.lowerBound < expectedBegin, let previous {
                throw fail(
                    .overlapsPrevious(previous: previous, previousEnd: expectedBegin, begin: range.lowerBound),
                    tensor: tensor.name)
            }
            if range.upperBound > dataSectionSize {
                throw fail(.dataPastEnd(end: range.upperBound, dataSectionSize: dataSectionSize), tensor: tensor.name)
            }
            expectedBegin = range.upperBound
            previous = tensor.name
        }
        guard expectedBegin == dataSectionSize else {
            throw fail(.trailingBytes(dataEnd: expectedBegin, dataSectionSize: dataSectionSize))
        }
        return SafetensorsHeader(metadata: metadata, tensors: tensors, headerLength: headerLength)
    }

    private static func mapParseError(_ error: JSONParseError, file: String) -> SafetensorsError {
        guard case .duplicateKey(let key, let path) = error.kind else {
            return SafetensorsError(file: file, kind: .invalidJSON(error))
        }
        switch path.first {
        case nil:
            return SafetensorsError(file: file, tensor: key, kind: .duplicateTensorName)
        case .key(let object) where object.hasSameBytes(as: "__metadata__"):
            return SafetensorsError(file: file, kind: .duplicateKey(key, object: "__metadata__"))
        case .key(let tensor):
            return SafetensorsError(file: file, tensor: tensor, kind: .duplicateKey(key, object: "the tensor entry"))
        case .index:
            return SafetensorsError(file: file, kind: .invalidJSON(error))
        }
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws(SafetensorsError) -> [String: String] {
        guard let object = value.objectValue else {
            throw SafetensorsError(file: file, kind: .metadataNotAnObject(found: value.typeDescription))
        }
        var metadata: [String: String] = [:]
        for entry in object {
            guard let string = entry.value.stringValue else {
                throw SafetensorsError(
                    file: file, kind: .metadataValueNotAString(key: entry.key, found: entry.value.typeDescription))
            }
            metadata[entry.key] = string
        }
        return metadata
    }

    private static func parseTensor(named name: String, _ value: JSONValue, file: String) throws(SafetensorsError) -> TensorInfo {
        func fail(_ kind: SafetensorsError.Kind) -> SafetensorsError {
            SafetensorsError(file: file, tensor: name, kind: kind)
        }
        guard let entry = value.objectValue else {
            throw fail(.tensorEntryNotAnObject(found: value.typeDescription))
        }
        for key in entry.keys where !["dtype", "shape", "data_offsets"].contains(where: { $0.hasSameBytes(as: key) }) {
            throw fail(.unexpectedField(key))
        }
        guard let dtypeValue = entry["dtype"] else { throw fail(.missingField("dtype")) }
        guard let shapeValue = entry["shape"] else { throw fail(.missingField("shape")) }
        guard let offsetsValue = entry["data_offsets"] else { throw fail(.missingField("data_offsets")) }

        guard let dtypeName = dtypeValue.stringValue else {
            throw fail(.invalidFieldType(field: "dtype", expected: "a string", found: dtypeValue.typeDescription))
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw fail(.unknownDType(dtypeName)) }

        guard let dims = shapeValue.arrayValue else {
            throw fail(.invalidFieldType(field: "shape", expected: "an array", found: shapeValue.typeDescription))
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (index, dim) in dims.enumerated() {
            guard let size = dim.intValue, size >= 0 else {
                throw fail(.invalidDimension(index: index, found: dim.serialized()))
            }
            shape.append(size)
        }
        guard let elementCount = Shape.elementCount(shape) else { throw fail(.elementCountOverflow(shape: shape)) }
        guard let byteCount = Shape.byteCount(shape, dtype: dtype) else {
            throw fail(.byteCountOverflow(shape: shape, dtype: dtype))
        }

        guard let offsets = offsetsValue.arrayValue, offsets.count == 2,
            let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= 0
        else {
            throw fail(.invalidDataOffsets(found: offsetsValue.serialized()))
        }
        guard begin <= end else { throw fail(.offsetsReversed(begin: begin, end: end)) }
        guard end - begin == byteCount else {
            throw fail(.sizeMismatch(begin: begin, end: end, shape: shape, dtype: dtype, needed: byteCount))
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, elementCount: elementCount, byteRange: begin..<end)
    }
}
