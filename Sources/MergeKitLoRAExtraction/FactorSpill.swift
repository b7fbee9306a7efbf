import Glibc
import MergeKitEngine
import MergeKitSafetensors
import Synchronization

/// A scratch file in the partial output that holds each module's encoded factors as soon as
/// they are computed: ranks can shrink under `--sv-epsilon`, so the adapter's header (which needs
/// every shape) is written only once all modules are done, and the factors are never all in
/// memory. Removed before the output is published.
final class FactorSpill: Sendable {
    let path: String
    private let descriptor: FileDescriptor
    private let end = Mutex(0)

    init(path: String) throws(OutputError) {
        switch FileDescriptor.open(path, flags: O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw OutputError(.io, "cannot create the scratch file '\(path)'", underlying: error)
        }
        self.path = path
    }

    /// Appends `bytes`; returns where they start.
    func append(_ bytes: [UInt8]) throws(OutputError) -> Int {
        let offset = end.withLock { end in
            defer { end += bytes.count }
            return end
        }
        if case .failure(let error) = bytes.withUnsafeBytes({ descriptor.write($0, at: offset) }) {
            throw OutputError(.io, "cannot write the scratch file '\(path)'", underlying: error)
        }
        return offset
    }

    /// Reads `buffer.count` bytes at `offset` into `buffer`.
    func read(offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(OutputError) {
        switch descriptor.read(into: buffer, at: offset) {
        case .success(buffer.count): return
        case .success:
            throw OutputError(.io, "cannot read back the scratch file '\(path)': it ends before the \(buffer.count) bytes written at offset \(offset)")
        case .failure(let error):
            throw OutputError(.io, "cannot read back the scratch file '\(path)'", underlying: error)
        }
    }
}
