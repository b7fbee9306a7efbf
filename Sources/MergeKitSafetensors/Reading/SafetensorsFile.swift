/// A safetensors file, mapped and validated: tensor bytes are read in place from the mapping.
///
/// A file may also be known by its header alone (`init(path:header:)`: a Hub model's shard read
/// with range requests and not downloaded): its tensors can be planned, but their data cannot be
/// read (`isMapped` is false), so a plan reading it must not be run (`MergeRunner` refuses it).
public final class SafetensorsFile: Sendable {
    public let path: String
    public let header: SafetensorsHeader
    /// nil for a file known by its header only.
    private let mapping: MappedFile?
    private let indexByName: [ByteString: Int]

    /// Maps `path` and validates its header; throws on the first broken rule.
    public convenience init(path: String) throws(SafetensorsError) {
        let mapping = try MappedFile(path: path)
        let header = try mapping.withBytes { bytes throws(SafetensorsError) in
            try SafetensorsHeader.parse(fileBytes: bytes, file: path)
        }
        self.init(path: path, header: header, mapping: mapping)
    }

    /// A file known by its validated header only, not opened (it need not exist yet): its data
    /// cannot be read.
    public convenience init(path: String, header: SafetensorsHeader) {
        self.init(path: path, header: header, mapping: nil)
    }

    private init(path: String, header: SafetensorsHeader, mapping: MappedFile?) {
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

    /// Whether the file's data can be read (false for a file known by its header only).
    public var isMapped: Bool { mapping != nil }

    /// The file as it was when it was mapped (identity, size, times); nil when it is not mapped.
    package var status: FileStatus? { mapping?.status }

    /// Calls `body` with the header bytes as stored (the 8-byte length and the JSON).
    ///
    /// - Precondition: `isMapped`.
    package func withHeaderBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        mapped.withBytes { bytes in body(UnsafeRawBufferPointer(rebasing: bytes[0..<header.dataOffset])) }
    }

    /// An error if the file is now shorter than when it was mapped (see `MappedFile.shrinkError`).
    public func shrinkError() -> SafetensorsError? {
        mapping?.shrinkError()
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
        return try mapped.withBytes { bytes throws(Failure) in
            try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    /// Drops `tensor`'s pages from memory once it has been consumed (see `MappedFile.releasePages`).
    public func releasePages(of tensor: TensorInfo) {
        mapped.releasePages(fileRange(of: tensor))
    }

    /// Starts reading `tensor`'s pages ahead of use.
    public func prefetch(of tensor: TensorInfo) {
        mapped.prefetch(fileRange(of: tensor))
    }

    /// Drops the pages holding `bytes` (offsets into `tensor`'s data) once they are consumed, so
    /// streaming through a large tensor does not keep all of it resident.
    ///
    /// - Precondition: `bytes` lies within the tensor's data.
    public func releasePages(of tensor: TensorInfo, bytes: Range<Int>) {
        mapped.releasePages(subrange(bytes, of: tensor))
    }

    /// Starts reading the pages holding `bytes` (offsets into `tensor`'s data) ahead of use.
    ///
    /// - Precondition: `bytes` lies within the tensor's data.
    public func prefetch(of tensor: TensorInfo, bytes: Range<Int>) {
        mapped.prefetch(subrange(bytes, of: tensor))
    }

    /// The mapping. Reading the data of a file known by its header only is a programmer error:
    /// plans holding such files are for showing and checking, and `MergeRunner` refuses to run
    /// them before any read.
    private var mapped: MappedFile {
        guard let mapping else {
            preconditionFailure("SafetensorsFile: '\(path)' is known by its header only; its data cannot be read")
        }
        return mapping
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
