import Foundation
import Synchronization

/// A scratch file in the partial output that holds each module's encoded factors as soon as
/// they are computed: ranks can shrink under `--sv-epsilon`, so the adapter's header (which needs
/// every shape) is written only once all modules are done, and the factors are never all in
/// memory. Removed before the output is published.
final class FactorSpill: Sendable {
    let path: String
    private let descriptor: Int32
    private let end = Mutex(0)

    init(path: String) throws(ExtractionRunError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ExtractionRunError.io("cannot create '\(path)': \(String(cString: strerror(errno)))") }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Appends `bytes`; returns where they start.
    func append(_ bytes: [UInt8]) throws(ExtractionRunError) -> Int {
        let offset = end.withLock { end in
            defer { end += bytes.count }
            return end
        }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset + written)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw ExtractionRunError.io("cannot write '\(path)': \(String(cString: strerror(count < 0 ? errno : ENOSPC)))")
            }
            written += count
        }
        return offset
    }

    /// Reads `count` bytes at `offset` into `buffer`.
    func read(offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ExtractionRunError) {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset + done))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw ExtractionRunError.io("cannot read back '\(path)' at \(offset + done)") }
            done += count
        }
    }
}
