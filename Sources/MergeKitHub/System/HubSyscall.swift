import Glibc
import MergeKitSafetensors

/// Every system call this module makes, each wrapped once: `errno` is captured here and EINTR
/// retried here (the same discipline as MergeKitSafetensors' `Syscall`, which is internal to it).
enum HubSyscall {
    static func open(_ path: String, flags: Int32, mode: mode_t = 0) -> Result<Int32, SystemError> {
        retrying("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Never retried: on Linux the descriptor is released even when `close` reports EINTR.
    static func close(_ descriptor: Int32) -> Result<Void, SystemError> {
        Glibc.close(descriptor) == 0 ? .success(()) : .failure(SystemError(call: "close", code: errno))
    }

    static func fileStatus(_ descriptor: Int32) -> Result<stat, SystemError> {
        var status = stat()
        return retrying("fstat") { fstat(descriptor, &status) }.map { _ in status }
    }

    /// `stat` on a path, following symbolic links; nil when nothing is there.
    static func status(_ path: String) -> stat? {
        var status = stat()
        return stat(path, &status) == 0 ? status : nil
    }

    /// `lstat`: the entry itself, not what a symbolic link points to.
    static func linkStatus(_ path: String) -> stat? {
        var status = stat()
        return lstat(path, &status) == 0 ? status : nil
    }

    /// May write fewer bytes than asked.
    static func positionalWrite(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Result<Int, SystemError> {
        retrying("pwrite") { pwrite(descriptor, bytes.baseAddress, bytes.count, off_t(offset)) }
    }

    /// May read fewer bytes than asked; 0 at the end of the file.
    static func positionalRead(_ descriptor: Int32, _ bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> Result<Int, SystemError> {
        retrying("pread") { pread(descriptor, bytes.baseAddress, bytes.count, off_t(offset)) }
    }

    static func truncate(_ descriptor: Int32, length: Int) -> Result<Void, SystemError> {
        retrying("ftruncate") { ftruncate(descriptor, off_t(length)) }.map { _ in () }
    }

    static func synchronize(_ descriptor: Int32) -> Result<Void, SystemError> {
        retrying("fsync") { fsync(descriptor) }.map { _ in () }
    }

    static func changeMode(_ descriptor: Int32, _ mode: mode_t) -> Result<Void, SystemError> {
        retrying("fchmod") { fchmod(descriptor, mode) }.map { _ in () }
    }

    /// `flock(LOCK_EX | LOCK_NB)`: true when taken, false when another open file holds it.
    static func tryLockExclusive(_ descriptor: Int32) -> Result<Bool, SystemError> {
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return .success(true) }
            let code = errno
            if code == EWOULDBLOCK { return .success(false) }
            if code != EINTR { return .failure(SystemError(call: "flock", code: code)) }
        }
    }

    static func unlock(_ descriptor: Int32) -> Result<Void, SystemError> {
        retrying("flock") { flock(descriptor, LOCK_UN) }.map { _ in () }
    }

    /// Atomically replaces `destination` with `source` (same file system).
    static func rename(_ source: String, to destination: String) -> Result<Void, SystemError> {
        retrying("rename") { Glibc.rename(source, destination) }.map { _ in () }
    }

    static func symbolicLink(_ path: String, pointingTo target: String) -> Result<Void, SystemError> {
        retrying("symlink") { symlink(target, path) }.map { _ in () }
    }

    /// Removes a file or link; a missing one is not an error.
    static func unlink(_ path: String) -> Result<Void, SystemError> {
        if Glibc.unlink(path) == 0 || errno == ENOENT { return .success(()) }
        return .failure(SystemError(call: "unlink", code: errno))
    }

    /// `mkdir -p`: creates `path` and its missing parents (mode 0755 less the umask).
    static func makeDirectories(_ path: String) -> Result<Void, SystemError> {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 {
                let code = errno
                guard code == EEXIST, let status = status(prefix), status.st_mode & S_IFMT == S_IFDIR else {
                    return .failure(SystemError(call: "mkdir", code: code == EEXIST ? ENOTDIR : code))
                }
            }
        }
        return .success(())
    }

    /// Bytes an unprivileged process may still write on the file system holding `path`.
    static func availableBytes(at path: String) -> Result<Int, SystemError> {
        var info = statvfs()
        return retrying("statvfs") { statvfs(path, &info) }.map { _ in
            let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
            return overflow ? Int.max : bytes
        }
    }

    private static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) -> Result<T, SystemError> {
        while true {
            let result = body()
            if result != -1 { return .success(result) }
            let code = errno
            if code != EINTR { return .failure(SystemError(call: call, code: code)) }
        }
    }
}
