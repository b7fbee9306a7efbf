import Glibc

/// A whole file mapped read-only into memory (`mmap` with `PROT_READ`, `MAP_PRIVATE`).
///
/// Inputs are opened `O_RDONLY` and never written. The descriptor is closed once the mapping
/// exists; the mapping is removed in deinit, so bytes handed out by `withBytes` are valid only
/// inside the closure. An empty file is not mapped at all (`mmap` rejects length 0) and reads as
/// an empty buffer.
public final class MappedFile: @unchecked Sendable {
    // @unchecked: the only state is an immutable address and length of a read-only mapping,
    // which any thread may read; madvise on it is thread-safe.
    public let path: String
    /// The file's length in bytes when it was mapped.
    public let count: Int
    private let base: UnsafeRawPointer?

    /// Opens and maps `path`.
    ///
    /// Throws `.cannotOpen` (with the errno text), `.notARegularFile`, or `.readFailed` (fstat
    /// or mmap failed).
    public init(path: String) throws(SafetensorsError) {
        self.path = path
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_RDONLY) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw SafetensorsError(file: path, kind: .cannotOpen(error))
        }
        let status: stat
        switch Syscall.fileStatus(descriptor.rawValue) {
        case .success(let value): status = value
        case .failure(let error): throw SafetensorsError(file: path, kind: .readFailed(error))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SafetensorsError(file: path, kind: .notARegularFile)
        }
        guard let length = Int(exactly: status.st_size), length >= 0 else {
            throw SafetensorsError(file: path, kind: .readFailed(SystemError(call: "fstat", code: EOVERFLOW)))
        }
        count = length
        if length == 0 {
            base = nil
            return
        }
        switch Syscall.mapReadOnly(descriptor.rawValue, length: length) {
        case .success(let address): base = address
        case .failure(let error): throw SafetensorsError(file: path, kind: .readFailed(error))
        }
    }

    deinit {
        if let base {
            _ = Syscall.unmap(base, length: count)
        }
    }

    /// Calls `body` with the file's bytes. Do not let the pointer escape the closure.
    public func withBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Tells the kernel the pages holding `range` are no longer needed (`madvise(MADV_DONTNEED)`).
    ///
    /// The range is widened to whole aligned 2 MiB windows: a page fault maps more than the page
    /// it hits (the 64 KiB fault-around window, or a whole PMD-mapped 2 MiB folio of a large
    /// file), so a reader streaming through unaligned chunks would otherwise leave the
    /// neighbours of every chunk boundary resident and RSS would grow with the model.
    /// Dropping bytes other readers still use is safe: the mapping is private and never written,
    /// so a dropped page is read again from the page cache on the next access. Advice only: a
    /// failure changes nothing and is ignored.
    ///
    /// - Precondition: `range` lies within `0..<count`.
    public func releasePages(_ range: Range<Int>) {
        checkBounds(range)
        let window = Self.releaseWindow
        let start = range.lowerBound / window * window
        let end = min(count, (range.upperBound + window - 1) / window * window)
        advise(range.isEmpty ? range : start..<end, advice: MADV_DONTNEED)
    }

    /// A PMD-mapped huge page: the most one fault can map.
    static let releaseWindow = 2 << 20

    /// Asks the kernel to start reading the pages holding `range` (`madvise(MADV_WILLNEED)`).
    /// Advice only: a failure is ignored.
    ///
    /// - Precondition: `range` lies within `0..<count`.
    public func prefetch(_ range: Range<Int>) {
        advise(range, advice: MADV_WILLNEED)
    }

    private func checkBounds(_ range: Range<Int>) {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= count,
            "MappedFile: range \(range) outside \(path) (\(count) bytes)")
    }

    private func advise(_ range: Range<Int>, advice: Int32) {
        checkBounds(range)
        guard let base, !range.isEmpty else { return }
        let pageSize = Syscall.pageSize
        let start = range.lowerBound / pageSize * pageSize
        _ = Syscall.advise(base + start, length: range.upperBound - start, advice: advice)
    }
}
