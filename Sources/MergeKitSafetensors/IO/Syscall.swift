import Glibc

/// Every system call the module makes, each wrapped once: `errno` is captured here and EINTR is
/// retried here, so callers see a `Result` and nothing else.
enum Syscall {
    /// Wraps `open`.
    static func open(_ path: String, flags: Int32, mode: mode_t) -> Result<Int32, SystemError> {
        retryingOnInterrupt("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Wraps `close`. Never retried: on Linux the descriptor is released even when `close`
    /// reports EINTR, and a retry could close a descriptor another thread just opened.
    static func close(_ descriptor: Int32) -> Result<Void, SystemError> {
        Glibc.close(descriptor) == 0 ? .success(()) : .failure(SystemError(call: "close", code: errno))
    }

    /// Wraps `fstat`.
    static func fileStatus(_ descriptor: Int32) -> Result<stat, SystemError> {
        var status = stat()
        return retryingOnInterrupt("fstat") { fstat(descriptor, &status) }.map { _ in status }
    }

    /// Wraps `mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)`.
    static func mapReadOnly(_ descriptor: Int32, length: Int) -> Result<UnsafeRawPointer, SystemError> {
        let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            return .failure(SystemError(call: "mmap", code: errno))
        }
        return .success(UnsafeRawPointer(address))
    }

    /// Wraps `munmap`.
    static func unmap(_ address: UnsafeRawPointer, length: Int) -> Result<Void, SystemError> {
        munmap(UnsafeMutableRawPointer(mutating: address), length) == 0
            ? .success(()) : .failure(SystemError(call: "munmap", code: errno))
    }

    /// Wraps `madvise`; `address` must be page-aligned.
    static func advise(_ address: UnsafeRawPointer, length: Int, advice: Int32) -> Result<Void, SystemError> {
        retryingOnInterrupt("madvise") {
            madvise(UnsafeMutableRawPointer(mutating: address), length, advice)
        }.map { _ in () }
    }

    /// Wraps `pwrite`; may write fewer bytes than asked.
    static func positionalWrite(
        _ descriptor: Int32, _ bytes: UnsafeRawPointer, count: Int, at offset: Int
    ) -> Result<Int, SystemError> {
        retryingOnInterrupt("pwrite") { pwrite(descriptor, bytes, count, off_t(offset)) }
    }

    /// Wraps `ftruncate`.
    static func truncate(_ descriptor: Int32, length: Int) -> Result<Void, SystemError> {
        retryingOnInterrupt("ftruncate") { ftruncate(descriptor, off_t(length)) }.map { _ in () }
    }

    /// Wraps `fsync`.
    static func synchronize(_ descriptor: Int32) -> Result<Void, SystemError> {
        retryingOnInterrupt("fsync") { fsync(descriptor) }.map { _ in () }
    }

    /// The virtual memory page size (`sysconf(_SC_PAGESIZE)`).
    static let pageSize: Int = {
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
