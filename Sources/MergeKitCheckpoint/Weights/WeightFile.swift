package import MergeKitSafetensors

/// One file a model's tensors depend on, as it was when it was opened: a safetensors file, a
/// PyTorch checkpoint, or a whole small file (an adapter's `adapter_config.json`). A resume
/// fingerprint compares its identity on disk and the bytes that describe its tensors (the
/// safetensors header, the checkpoint's `data.pkl`, the whole config), not the tensor data.
public struct WeightFile: Sendable {
    enum Storage: Sendable {
        case safetensors(SafetensorsFile)
        case pytorch(PyTorchCheckpoint)
        case whole(MappedFile)
    }

    let storage: Storage

    public var path: String {
        switch storage {
        case .safetensors(let file): return file.path
        case .pytorch(let checkpoint): return checkpoint.path
        case .whole(let mapping): return mapping.path
        }
    }

    /// Whether the file's data can be read: false for a safetensors file known by its header
    /// only (a Hub model's shard that was not downloaded).
    public var isMapped: Bool {
        guard case .safetensors(let file) = storage else { return true }
        return file.isMapped
    }

    /// The file as it was when it was mapped (identity, size, times); nil when it is not mapped.
    package var status: FileStatus? {
        switch storage {
        case .safetensors(let file): return file.status
        case .pytorch(let checkpoint): return checkpoint.status
        case .whole(let mapping): return mapping.status
        }
    }

    /// Calls `body` with the bytes that describe the file's tensors.
    ///
    /// - Precondition: `isMapped`.
    package func withDescriptionBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        switch storage {
        case .safetensors(let file): return file.withHeaderBytes(body)
        case .pytorch(let checkpoint): return checkpoint.withPickleBytes(body)
        case .whole(let mapping): return mapping.withBytes(body)
        }
    }
}
