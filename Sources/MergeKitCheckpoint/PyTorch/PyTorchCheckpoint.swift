public import MergeKitSafetensors

/// One `pytorch_model.bin` (or any file `torch.save` wrote for a state dict), opened without
/// running it: the zip's central directory is read, `data.pkl` is interpreted by the
/// restricted `StateDictUnpickler`, and each tensor becomes a view of a storage member that
/// stays in the memory map. Everything a tensor can reach is checked here, so reading it later
/// cannot fail.
public final class PyTorchCheckpoint: Sendable {
    public let path: String
    /// The tensors in state-dict order.
    public let tensors: [PyTorchTensor]
    /// Where `data.pkl` is in the file: with the sizes of the storages it names, it is what a
    /// safetensors header is (the description of every tensor), e.g. for a resume fingerprint.
    public let pickleByteRange: Range<Int>
    private let mapping: MappedFile
    private let indexByName: [ByteString: Int]

    /// Calls `body` with the bytes of `data.pkl`, in place in the mapping.
    public func withPickleBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let range = pickleByteRange
        return try mapping.withBytes { bytes throws(Failure) in try body(UnsafeRawBufferPointer(rebasing: bytes[range])) }
    }

    /// The file as it was when it was mapped (identity, size, times).
    package var status: FileStatus { mapping.status }

    /// An error if the file is now shorter than when it was mapped (see `MappedFile.shrinkError`).
    public func shrinkError() -> SafetensorsError? {
        mapping.shrinkError()
    }

    public func tensor(named name: String) -> PyTorchTensor? {
        indexByName[ByteString(name)].map { tensors[$0] }
    }

    public init(path: String) throws(PyTorchCheckpointError) {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw PyTorchCheckpointError(file: path, kind: .unreadable(error.kind.description))
        }
        let (tensors, pickleByteRange) = try mapping.withBytes { bytes throws(PyTorchCheckpointError) in
            try Self.readTensors(bytes, mapping: mapping)
        }
        // Reading the central directory, every member's local header (one per storage, spread
        // over the whole file) and data.pkl faulted in pages all over the mapping; drop them, so
        // an opened checkpoint holds no more memory than an opened safetensors file.
        mapping.releasePages(0..<mapping.count)
        self.path = path
        self.tensors = tensors
        self.pickleByteRange = pickleByteRange
        self.mapping = mapping
        var indexByName: [ByteString: Int] = [:]
        for (index, tensor) in tensors.enumerated() {
            indexByName[ByteString(tensor.name)] = index
        }
        self.indexByName = indexByName
    }

    private static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    private static let pickleProtocolOpcode: UInt8 = 0x80
    private static let tarMagicOffset = 257
    private static let tarMagic = Array("ustar".utf8)

    private static func readTensors(
        _ bytes: UnsafeRawBufferPointer, mapping: MappedFile
    ) throws(PyTorchCheckpointError) -> ([PyTorchTensor], pickle: Range<Int>) {
        let path = mapping.path
        func fail(_ kind: PyTorchCheckpointError.Kind, tensor: String? = nil) -> PyTorchCheckpointError {
            PyTorchCheckpointError(file: path, tensor: tensor, kind: kind)
        }
        guard bytes.starts(with: zipMagic) else {
            if bytes.first == pickleProtocolOpcode { throw fail(.legacyPickleFormat) }
            if bytes.count >= tarMagicOffset + tarMagic.count,
               bytes[tarMagicOffset..<(tarMagicOffset + tarMagic.count)].elementsEqual(tarMagic) {
                throw fail(.legacyTarFormat)
            }
            throw fail(.notAZipArchive)
        }
        let archive: ZipArchive
        do {
            archive = try ZipArchive.read(bytes, file: path) { mapping.releasePages($0) }
        } catch {
            throw fail(.archive(error.kind))
        }
        // torch names every member "<archive name>/...", the archive name taken from the first.
        guard let first = archive.entries.first, let slash = first.name.firstIndex(of: "/") else {
            throw fail(.missingMember("<archive>/data.pkl"))
        }
        let prefix = String(first.name[..<slash])
        func member(_ name: String, tensor: String? = nil) throws(PyTorchCheckpointError) -> ZipEntry {
            let full = prefix + "/" + name
            guard let entry = archive.entry(named: full) else { throw fail(.missingMember(full), tensor: tensor) }
            guard !entry.isEncrypted else { throw fail(.encryptedMember(full), tensor: tensor) }
            guard entry.isStored else { throw fail(.compressedMember(full, method: entry.method), tensor: tensor) }
            return entry
        }

        // Absent in checkpoints older than torch 1.10, which were written on little-endian hosts.
        if archive.entry(named: prefix + "/byteorder") != nil {
            let order = try member("byteorder")
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[order.dataRange]), as: UTF8.self)
            guard text == "little" else { throw fail(.byteOrder(text)) }
        }

        let pickle = try member("data.pkl")
        let pickled: [(name: String, tensor: PickledTensor)]
        do {
            pickled = try StateDictUnpickler.tensors(in: UnsafeRawBufferPointer(rebasing: bytes[pickle.dataRange]))
        } catch {
            throw fail(.pickle(error))
        }

        var tensors: [PyTorchTensor] = []
        tensors.reserveCapacity(pickled.count)
        for (name, tensor) in pickled {
            let storage = try member("data/" + tensor.storage.key, tensor: name)
            let (declared, overflow) = tensor.storage.count.multipliedReportingOverflow(by: tensor.storage.type.unitSize)
            guard !overflow, declared <= storage.dataRange.count else {
                throw fail(.storageTooSmall(
                    key: tensor.storage.key, memberBytes: storage.dataRange.count,
                    declaredBytes: overflow ? Int.max : declared), tensor: name)
            }
            let layout: StridedLayout
            switch StridedLayout.make(
                shape: tensor.shape, strides: tensor.strides, offset: tensor.offset,
                storageElements: declared / tensor.dtype.byteSize) {
            case .success(let made): layout = made
            case .failure(let problem): throw fail(.invalidView(storageKey: tensor.storage.key, problem), tensor: name)
            }
            tensors.append(PyTorchTensor(
                name: name, dtype: tensor.dtype, layout: layout, storageKey: tensor.storage.key,
                storageStart: storage.dataRange.lowerBound, mapping: mapping))
        }
        return (tensors, pickle.dataRange)
    }
}
