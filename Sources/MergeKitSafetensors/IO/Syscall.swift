import Glibc

/// Every file system call the package makes, each wrapped once: `errno` is captured here and
/// EINTR is retried here, so callers see a `Result` and nothing else. The engine uses these (and
/// `FileDescriptor`, `FileSystem`) instead of calling the C library itself.
package enum Syscall {
    /// Wraps `open`; `O_CLOEXEC` is always added.
    package static func open(_ path: String, flags: Int32, mode: mode_t) -> Result<Int32, SystemError> {
        retryingOnInterrupt("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Wraps `openat`; `O_CLOEXEC` is always added. `name` is a NUL-terminated directory entry.
    package static func open(
        _ name: [CChar], in directory: Int32, flags: Int32, mode: mode_t
    ) -> Result<Int32, SystemError> {
        retryingOnInterrupt("openat") { Glibc.openat(directory, name, flags | O_CLOEXEC, mode) }
    }

    /// Wraps `close`. Never retried: on Linux the descriptor is released even when `close`
    /// reports EINTR, and a retry could close a descriptor another thread just opened.
    package static func close(_ descriptor: Int32) -> Result<Void, SystemError> {
        Glibc.close(descriptor) == 0 ? .success(()) : .failure(SystemError(call: "close", code: errno))
    }

    /// Wraps `fstat`.
    package static func fileStatus(_ descriptor: Int32) -> Result<stat, SystemError> {
        var status = stat()
        return retryingOnInterrupt("fstat") { fstat(descriptor, &status) }.map { _ in status }
    }

    /// Wraps `stat` (follows symbolic links) or, with `followingLinks: false`, `lstat`.
    package static func status(_ path: String, followingLinks: Bool = true) -> Result<stat, SystemError> {
        var status = stat()
        if followingLinks {
            return retryingOnInterrupt("stat") { stat(path, &status) }.map { _ in status }
        }
        return retryingOnInterrupt("lstat") { lstat(path, &status) }.map { _ in status }
    }

    /// Wraps `fstatat(directory, name, AT_SYMLINK_NOFOLLOW)`: the entry itself, never a link's target.
    package static func linkStatus(_ name: [CChar], in directory: Int32) -> Result<stat, SystemError> {
        var status = stat()
        return retryingOnInterrupt("fstatat") { fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) }
            .map { _ in status }
    }

    /// Wraps `statvfs`.
    package static func fileSystemStatus(_ path: String) -> Result<statvfs, SystemError> {
        var status = statvfs()
        return retryingOnInterrupt("statvfs") { statvfs(path, &status) }.map { _ in status }
    }

    /// Wraps `mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)`.
    package static func mapReadOnly(_ descriptor: Int32, length: Int) -> Result<UnsafeRawPointer, SystemError> {
        let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            return .failure(SystemError(call: "mmap", code: errno))
        }
        return .success(UnsafeRawPointer(address))
    }

    /// Wraps `munmap`.
    package static func unmap(_ address: UnsafeRawPointer, length: Int) -> Result<Void, SystemError> {
        munmap(UnsafeMutableRawPointer(mutating: address), length) == 0
            ? .success(()) : .failure(SystemError(call: "munmap", code: errno))
    }

    /// Wraps `madvise`; `address` must be page-aligned.
    package static func advise(_ address: UnsafeRawPointer, length: Int, advice: Int32) -> Result<Void, SystemError> {
        retryingOnInterrupt("madvise") {
            madvise(UnsafeMutableRawPointer(mutating: address), length, advice)
        }.map { _ in () }
    }

    /// Wraps `pwrite`; may write fewer bytes than asked.
    package static func positionalWrite(
        _ descriptor: Int32, _ bytes: UnsafeRawPointer, count: Int, at offset: Int
    ) -> Result<Int, SystemError> {
        retryingOnInterrupt("pwrite") { pwrite(descriptor, bytes, count, off_t(offset)) }
    }

    /// Wraps `write` (at the file position, or at the end for `O_APPEND`); may write fewer bytes
    /// than asked.
    package static func write(_ descriptor: Int32, _ bytes: UnsafeRawPointer, count: Int) -> Result<Int, SystemError> {
        retryingOnInterrupt("write") { Glibc.write(descriptor, bytes, count) }
    }

    /// Wraps `pread`; may read fewer bytes than asked (0 at the end of the file).
    package static func positionalRead(
        _ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int
    ) -> Result<Int, SystemError> {
        retryingOnInterrupt("pread") { pread(descriptor, buffer, count, off_t(offset)) }
    }

    /// Wraps `ftruncate`.
    package static func truncate(_ descriptor: Int32, length: Int) -> Result<Void, SystemError> {
        retryingOnInterrupt("ftruncate") { ftruncate(descriptor, off_t(length)) }.map { _ in () }
    }

    /// Wraps `fsync`.
    package static func synchronize(_ descriptor: Int32) -> Result<Void, SystemError> {
        retryingOnInterrupt("fsync") { fsync(descriptor) }.map { _ in () }
    }

    /// Wraps `flock`. With `LOCK_NB`, a lock held elsewhere is the failure EWOULDBLOCK.
    package static func lock(_ descriptor: Int32, operation: Int32) -> Result<Void, SystemError> {
        retryingOnInterrupt("flock") { flock(descriptor, operation) }.map { _ in () }
    }

    /// Wraps `fchmod`.
    package static func changeMode(_ descriptor: Int32, _ mode: mode_t) -> Result<Void, SystemError> {
        retryingOnInterrupt("fchmod") { fchmod(descriptor, mode) }.map { _ in () }
    }

    /// Wraps `symlink`: creates `path` as a symbolic link holding `target` as written.
    package static func symbolicLink(_ path: String, pointingTo target: String) -> Result<Void, SystemError> {
        retryingOnInterrupt("symlink") { symlink(target, path) }.map { _ in () }
    }

    /// Wraps `rename`.
    package static func rename(_ source: String, to destination: String) -> Result<Void, SystemError> {
        retryingOnInterrupt("rename") { Glibc.rename(source, destination) }.map { _ in () }
    }

    /// Wraps `unlink`.
    package static func unlink(_ path: String) -> Result<Void, SystemError> {
        retryingOnInterrupt("unlink") { Glibc.unlink(path) }.map { _ in () }
    }

    /// Wraps `unlinkat`; `flags` is 0 for a file or `AT_REMOVEDIR` for an empty directory.
    package static func unlink(_ name: [CChar], in directory: Int32, flags: Int32) -> Result<Void, SystemError> {
        retryingOnInterrupt("unlinkat") { unlinkat(directory, name, flags) }.map { _ in () }
    }

    /// Wraps `rmdir`.
    package static func removeDirectory(_ path: String) -> Result<Void, SystemError> {
        retryingOnInterrupt("rmdir") { rmdir(path) }.map { _ in () }
    }

    /// Wraps `mkdir`.
    package static func makeDirectory(_ path: String, mode: mode_t) -> Result<Void, SystemError> {
        retryingOnInterrupt("mkdir") { mkdir(path, mode) }.map { _ in () }
    }

    /// Wraps `realpath`: the absolute path with every symbolic link, `.` and `..` resolved.
    package static func realPath(_ path: String) -> Result<String, SystemError> {
        guard let resolved = realpath(path, nil) else { return .failure(SystemError(call: "realpath", code: errno)) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// Wraps `readlink`: a symbolic link's target as written in the link.
    package static func readLink(_ path: String) -> Result<String, SystemError> {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBufferPointer { storage in
            storage.baseAddress.map { readlink(path, $0, storage.count - 1) } ?? -1
        }
        guard count >= 0 else { return .failure(SystemError(call: "readlink", code: errno)) }
        return .success(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The names in the directory open as `descriptor` (without `.` and `..`), as NUL-terminated
    /// bytes: a name need not be UTF-8. Wraps `fdopendir` on a duplicate (which `closedir` then
    /// closes) and `readdir`.
    package static func directoryEntries(_ descriptor: Int32) -> Result<[[CChar]], SystemError> {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { return .failure(SystemError(call: "fcntl", code: errno)) }
        guard let stream = fdopendir(duplicate) else {
            let code = errno
            Glibc.close(duplicate)
            return .failure(SystemError(call: "fdopendir", code: code))
        }
        defer { closedir(stream) }
        var names: [[CChar]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { return .failure(SystemError(call: "readdir", code: errno)) }
                return .success(names)
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix { $0 != 0 }.map { CChar(bitPattern: $0) } + [0]
            }
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }
        }
    }

    /// Wraps `getcwd`.
    package static func currentDirectory() -> Result<String, SystemError> {
        guard let path = getcwd(nil, 0) else { return .failure(SystemError(call: "getcwd", code: errno)) }
        defer { free(path) }
        return .success(String(cString: path))
    }

    /// This process's id (`getpid`).
    package static var processID: Int32 { getpid() }

    /// The virtual memory page size (`sysconf(_SC_PAGESIZE)`).
    package static let pageSize: Int = {
        let size = sysconf(Int32(_SC_PAGESIZE))
        return size > 0 ? size : 4096
    }()

    private static func retryingOnInterrupt<T: BinaryInteger>(
        _ call: String, _ body: () -> T
    ) -> Result<T, SystemError> {
        while true {
            let result = body()
            if result != -1 { return .success(result) }
            let code = errno
            if code != EINTR { return .failure(SystemError(call: call, code: code)) }
        }
    }
}
