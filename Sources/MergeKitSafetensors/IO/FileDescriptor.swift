import Glibc
import Synchronization

/// An open file descriptor, closed exactly once: by `close()`, which reports the error, or by
/// deinit, which cannot.
final class FileDescriptor: Sendable {
    let rawValue: Int32
    private let isClosed = Mutex(false)

    private init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Wraps `open`.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0) -> Result<FileDescriptor, SystemError> {
        Syscall.open(path, flags: flags, mode: mode).map(FileDescriptor.init(rawValue:))
    }

    /// Closes the descriptor, reporting a failure (on some file systems the last write-back
    /// error surfaces here).
    ///
    /// - Precondition: not closed already.
    func close() -> Result<Void, SystemError> {
        let wasClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        precondition(!wasClosed, "FileDescriptor.close: descriptor \(rawValue) closed twice")
        return Syscall.close(rawValue)
    }

    deinit {
        if !isClosed.withLock({ $0 }) {
            _ = Syscall.close(rawValue)
        }
    }
}
