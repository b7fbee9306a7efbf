import Foundation
import MergeKitSafetensors

/// A family model as `pytorch_model.bin`, beside it in `<model>-bin/` with its config.json: the
/// same tensors in torch.save's zip format (one stored, 64-byte aligned storage per tensor), so
/// the bench can measure a .bin input against its safetensors original. Written once; a
/// `complete` marker is written last, and a twin without it is written again.
struct PyTorchTwin {
    /// The model directory (config.json + one model.safetensors, as the bench generates them).
    var model: String

    var directory: String { model + "-bin" }
    static let fileName = "pytorch_model.bin"

    /// Copied and released this much at a time: the bench's own peak RSS is inherited by the
    /// children it spawns (`ru_maxrss` survives exec), so writing a twin must not raise it.
    private static let pieceBytes = 2 << 20

    var isComplete: Bool { FileManager.default.fileExists(atPath: "\(directory)/complete") }

    func write() throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(model)/config.json", toPath: "\(directory)/config.json")
        let source = try SafetensorsFile(path: "\(model)/model.safetensors")
        let archive = (Self.fileName as NSString).deletingPathExtension
        let tensors = source.tensors.enumerated().map { index, info in
            StateDictPickle.Tensor(name: info.name, dtype: info.dtype, shape: info.shape, storageKey: "\(index)")
        }
        let zip = try StoredZipWriter(path: "\(directory)/\(Self.fileName)")
        try zip.add("\(archive)/data.pkl", StateDictPickle.bytes(of: tensors))
        try zip.add("\(archive)/byteorder", Array("little".utf8))
        for (index, info) in source.tensors.enumerated() {
            let byteCount = info.byteRange.count
            try zip.add("\(archive)/data/\(index)", byteCount: byteCount) { write in
                for start in stride(from: 0, to: byteCount, by: Self.pieceBytes) {
                    let piece = start..<min(start + Self.pieceBytes, byteCount)
                    try source.withData(of: info) { bytes in try write(UnsafeRawBufferPointer(rebasing: bytes[piece])) }
                    source.releasePages(of: info, bytes: piece)
                }
            }
        }
        try zip.add("\(archive)/version", Array("3\n".utf8))
        try zip.finish()
        try "".write(toFile: "\(directory)/complete", atomically: true, encoding: .utf8)
    }
}
