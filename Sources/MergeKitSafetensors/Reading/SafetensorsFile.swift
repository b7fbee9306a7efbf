/// A safetensors file, mapped and validated: tensor bytes are read in place from the mapping.
public final class SafetensorsFile: Sendable {
    public let path: String
    public let header: SafetensorsHeader
    private let mapping: MappedFile
    private let indexByName: [ByteString: Int]

    /// Maps `path` and validates its header; throws on the first broken rule.
    public init(path: String) throws(SafetensorsError) {
        let mapping = try MappedFile(path: path)
        let header = try mapping.withBytes { bytes throws(SafetensorsError) in
            try SafetensorsHeader.parse(fileBytes: bytes, file: path)
        }
        var indexByName: [ByteString: Int] = [:]
        indexByName.reserveCapacity(header.tensors.count)
        for (index, tensor) in header.tensors.enumerated() {
            indexByName[ByteString(tensor.name)] = index
        }
        self.path = path
        self.header = header
        self.mapping = mapping
        self.indexByName = indexByName
    }

    /// The file as it was when it was mapped (identity, size, times).
    package var status: FileStatus { mapping.status }

    /// Calls `body` with the header bytes as stored (the 8-byte length and the JSON).
    package func withHeaderBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        mapping.withBytes { bytes in body(UnsafeRawBufferPointer(rebasing: bytes[0..<header.dataOffset])) }
    }

    /// An error if the file is now shorter than when it was mapped (see `MappedFile.shrinkError`).
    public func shrinkError() -> SafetensorsError? {
        mapping.shrinkError()
    }

    /// The tensors in offset order.
    public var tensors: [TensorInfo] { header.tensors }

    /// The tensor whose name has exactly these bytes.
    public func tensor(named name: String) -> TensorInfo? {
        indexByName[ByteString(name)].map { header.tensors[$0] }
    }

    /// Calls `body` with `tensor`'s bytes, in place in the mapping (little-endian, possibly
    /// unaligned). Do not let the pointer escape the closure.
    ///
    /// - Precondition: `tensor` came from this file's header.
    public func withData<Result, Failure: Error>(
        of tensor: TensorInfo, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let range = fileRange(of: tensor)
        return try mapping.withBytes { bytes throws(Failure) in
            try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    /// Drops `tensor`'s pages from memory once it has been consumed (see `MappedFile.releasePages`).
    public func releasePages(of tensor: TensorInfo) {
        mapping.releasePages(fileRange(of: tensor))
    }

    /// Starts reading `tensor`'s pages ahead of use.
    public func prefetch(of tensor: TensorInfo) {
        mapping.prefetch(fileRange(of: tensor))
    }

    /// Drops the pages holding `bytes` (offsets into `tensor`'s data) once they are consumed, so
    /// streaming through a large tensor does not keep all of it resident.
    ///
    /// - Precondition: `bytes` lies within the tensor's data.
    public func releasePages(of tensor: TensorInfo, bytes: Range<Int>) {
        mapping.releasePages(subrange(bytes, of: tensor))
    }

    /// Starts reading the pages holding `bytes` (offsets into `tensor`'s data) ahead of use.
    ///
    /// - Precondition: `bytes` lies within the tensor's data.
    public func prefetch(of tensor: TensorInfo, bytes: Range<Int>) {
        mapping.prefetch(subrange(bytes, of: tensor))
    }

    private func subrange(_ bytes: Range<Int>, of tensor: TensorInfo) -> Range<Int> {
        let whole = fileRange(of: tensor)
        precondition(bytes.lowerBound >= 0 && bytes.upperBound <= whole.count,
                     "SafetensorsFile: bytes \(bytes) outside tensor '\(tensor.name)' (\(whole.count) bytes)")
        return (whole.lowerBound + bytes.lowerBound)..<(whole.lowerBound + bytes.upperBound)
    }

    private func fileRange(of tensor: TensorInfo) -> Range<Int> {
        precondition(
            self.tensor(named: tensor.name) == tensor,
            "SafetensorsFile: tensor '\(tensor.name)' is not from \(path)")
        let start = header.dataOffset + tensor.byteRange.lowerBound
        return start..<(start + tensor.byteRange.count)
    }
}
