import Glibc
import MergeKitCheckpoint

/// Any byte string as a pytorch_model.bin: refused with an error or read, never trapping; every
/// tensor of a file that opens decodes in bounds (AddressSanitizer checks each read).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPyTorchCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The reader maps a file, so each input is written to one per process, in the fuzz build's
    // scratch folder (Fuzz/run runs from the repository root).
    let path = "Fuzz/.build-fuzz/pytorch-input-\(getpid()).bin"
    guard let file = fopen(path, "wb") else { return 0 }
    fwrite(data, 1, size, file)
    fclose(file)
    defer { unlink(path) }
    guard let checkpoint = try? PyTorchCheckpoint(path: path) else { return 0 }
    for tensor in checkpoint.tensors where tensor.dtype.isMergeable && tensor.elementCount <= 1 << 20 {
        let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: tensor.elementCount)
        tensor.decode(0..<tensor.elementCount, into: values)
        values.deallocate()
        tensor.releasePages(0..<tensor.elementCount)
    }
    return 0
}
