import Glibc
import Synchronization

/// An open file descriptor, closed exactly once: by `close()`, which reports the error, or by
/// deinit, which cannot. Reads and writes loop over short transfers.
package final class FileDescriptor: Sendable {
    package let rawValue: Int32
    private let isClosed = Mutex(false)

    private init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Wraps `open`.
    package static func open(_ path: String, flags: Int32, mode: mode_t = 0) -> Result<FileDescriptor, SystemError> {
        Syscall.open(path, flags: flags, mode: mode).map(FileDescriptor.init(rawValue:))
    }

    /// Wraps `openat` for an entry of this directory.
    package func open(entry name: [CChar], flags: Int32, mode: mode_t = 0) -> Result<FileDescriptor, SystemError> {
        Syscall.open(name, in: rawValue, flags: flags, mode: mode).map(FileDescriptor.init(rawValue:))
    }

    /// Wraps `fstat`.
    package func status() -> Result<FileStatus, SystemError> {
        Syscall.fileStatus(rawValue).map(FileStatus.init)
    }

    /// Wraps `fsync`.
    package func synchronize() -> Result<Void, SystemError> {
        Syscall.synchronize(rawValue)
    }

    /// Wraps `ftruncate`.
    package func truncate(to length: Int) -> Result<Void, SystemError> {
        Syscall.truncate(rawValue, length: length)
    }

    /// Takes an exclusive `flock` without waiting: false when another open file description
    /// holds it.
    package func tryLockExclusively() -> Result<Bool, SystemError> {
        tryLock(operation: LOCK_EX)
    }

    /// Takes a shared `flock` without waiting: false when another open file description holds
    /// it exclusively.
    package func tryLockShared() -> Result<Bool, SystemError> {
        tryLock(operation: LOCK_SH)
    }

    private func tryLock(operation: Int32) -> Result<Bool, SystemError> {
        switch Syscall.lock(rawValue, operation: operation | LOCK_NB) {
        case .success: return .success(true)
        case .failure(let error) where error.code == EWOULDBLOCK: return .success(false)
        case .failure(let error): return .failure(error)
        }
    }

    /// Releases a `flock` (closing the descriptor releases it too).
    package func unlock() -> Result<Void, SystemError> {
        Syscall.lock(rawValue, operation: LOCK_UN)
    }

    /// Wraps `fchmod`: sets the permission bits exactly, whatever the umask.
    package func changeMode(_ mode: mode_t) -> Result<Void, SystemError> {
        Syscall.changeMode(rawValue, mode)
    }

    /// Writes all of `bytes` at `offset` (`pwrite`), looping over short writes. A write that
    /// makes no progress is reported as ENOSPC (a regular file refuses bytes only when full).
    package func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Result<Void, SystemError> {
        guard let base = bytes.baseAddress else { return .success(()) }
        var written = 0
        while written < bytes.count {
            switch Syscall.positionalWrite(rawValue, base + written, count: bytes.count - written, at: offset + written) {
            case .success(let count) where count > 0: written += count
            case .success: return .failure(SystemError(call: "pwrite", code: ENOSPC))
            case .failure(let error): return .failure(error)
            }
        }
        return .success(())
    }

    /// Writes all of `bytes` at the file position (at the end, for `O_APPEND`).
    package func write(_ bytes: UnsafeRawBufferPointer) -> Result<Void, SystemError> {
        guard let base = bytes.baseAddress else { return .success(()) }
        var written = 0
        while written < bytes.count {
            switch Syscall.write(rawValue, base + written, count: bytes.count - written) {
            case .success(let count) where count > 0: written += count
            case .success: return .failure(SystemError(call: "write", code: ENOSPC))
            case .failure(let error): return .failure(error)
            }
        }
        return .success(())
    }

    /// Reads up to `buffer.count` bytes at `offset` (`pread`), looping over short reads; fewer
    /// only at the end of the file. Returns the number read.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Result<Int, SystemError> {
        guard let base = buffer.baseAddress else { return .success(0) }
        var done = 0
        while done < buffer.count {
            switch Syscall.positionalRead(rawValue, into: base + done, count: buffer.count - done, at: offset + done) {
            case .success(0): return .success(done)
            case .success(let count): done += count
            case .failure(let error): return .failure(error)
            }
        }
        return .success(done)
    }

    /// The entries of this directory (see `Syscall.directoryEntries`).
    package func entries() -> Result<[[CChar]], SystemError> {
        Syscall.directoryEntries(rawValue)
    }

    /// Closes the descriptor, reporting a failure (on some file systems the last write-back
    /// error surfaces here).
    ///
    /// - Precondition: not closed already.
    package func close() -> Result<Void, SystemError> {
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
