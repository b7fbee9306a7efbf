/// A PyTorch checkpoint (`.bin`) that cannot be used: the file, the tensor when one is to
/// blame, and why, with the numbers involved. Formats that are valid but not streamable
/// (legacy pickles, compressed members) say how to convert the file.
public struct PyTorchCheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let tensor: String?
    public let kind: Kind

    public init(file: String, tensor: String? = nil, kind: Kind) {
        self.file = file
        self.tensor = tensor
        self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
        /// Opening or mapping the file failed (the system's reason).
        case unreadable(String)
        /// A pickle written by `torch.save(..., _use_new_zipfile_serialization=False)` or torch < 1.6.
        case legacyPickleFormat
        /// A tar archive written by torch < 0.4.
        case legacyTarFormat
        case notAZipArchive
        case archive(ZipArchiveError.Kind)
        /// A member torch.save always writes is missing.
        case missingMember(String)
        case compressedMember(String, method: UInt16)
        case encryptedMember(String)
        /// The `byteorder` record says something other than "little".
        case byteOrder(String)
        case pickle(PickleError)
        /// The storage member `data/<key>` holds fewer bytes than its persistent id declares.
        case storageTooSmall(key: String, memberBytes: Int, declaredBytes: Int)
        /// The tensor's shape, strides and offset reach outside its storage, or overflow.
        case invalidView(storageKey: String, StridedLayout.Problem)
    }

    public var description: String {
        let subject = tensor.map { "\(file): tensor '\($0)': " } ?? "\(file): "
        return subject + kind.describe(file: file)
    }
}

extension PyTorchCheckpointError.Kind {
    /// The message; `file` appears in the conversion commands.
    func describe(file: String) -> String {
        switch self {
        case .unreadable(let reason):
            return reason
        case .legacyPickleFormat:
            return "a PyTorch checkpoint in the legacy (non-zip) format, which cannot be memory-mapped; "
                + Self.conversionHint(file)
        case .legacyTarFormat:
            return "a PyTorch checkpoint in the tar format of torch < 0.4, which cannot be memory-mapped; "
                + Self.conversionHint(file)
        case .notAZipArchive:
            return "not a PyTorch checkpoint (torch.save writes a zip archive; this file does not start like one)"
        case .archive(let kind):
            return "broken zip archive: \(kind)"
        case .missingMember(let name):
            return "archive member '\(name)' is missing (every torch.save archive has it)"
        case .compressedMember(let name, let method):
            return "archive member '\(name)' is compressed (zip method \(method)); torch.save stores members "
                + "uncompressed so they can be memory-mapped, and this file was re-zipped; " + Self.conversionHint(file)
        case .encryptedMember(let name):
            return "archive member '\(name)' is encrypted"
        case .byteOrder(let order):
            return "the checkpoint was saved with byte order '\(order)'; only little-endian checkpoints are read"
        case .pickle(let error):
            return "data.pkl: \(error)"
        case .storageTooSmall(let key, let memberBytes, let declaredBytes):
            return "storage '\(key)' holds \(memberBytes) bytes, but its persistent id declares \(declaredBytes)"
        case .invalidView(let key, let problem):
            return "view of storage '\(key)': \(problem)"
        }
    }

    /// A one-line conversion to safetensors with torch's safe loader (no code runs).
    static func conversionHint(_ file: String) -> String {
        let quoted = file.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "\\'")
        return "convert it to safetensors with: python -c \"import torch; from safetensors.torch import save_file; "
            + "sd = torch.load('\(quoted)', weights_only=True); "
            + "save_file({k: v.contiguous().clone() for k, v in sd.items()}, 'model.safetensors', metadata={'format': 'pt'})\""
    }
}

extension StridedLayout.Problem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .rankMismatch(let shape, let strides):
            return "shape \(shape) and strides \(strides) have different lengths"
        case .negativeDimension(let shape):
            return "shape \(shape) has a negative dimension"
        case .negativeStride(let strides):
            return "strides \(strides) have a negative entry"
        case .negativeOffset(let offset):
            return "storage offset \(offset) is negative"
        case .overflow:
            return "the element count or extent overflows"
        case .outsideStorage(let lastElement, let storageElements):
            return "the view reaches element \(lastElement), past the storage's \(storageElements) elements"
        }
    }
}
