import Glibc
import Synchronization

/// A whole file mapped read-only into memory (`mmap` with `PROT_READ`, `MAP_PRIVATE`).
///
/// Inputs are opened `O_RDONLY | O_NONBLOCK` (so a FIFO cannot block the open) and must be
/// regular files; they are never written. The descriptor is closed once the mapping exists; the
/// mapping is removed in deinit, so bytes handed out by `withBytes` are valid only inside the
/// closure. An empty file is not mapped at all (`mmap` rejects length 0) and reads as an empty
/// buffer. A file that shrinks while mapped does not crash the reader (see `MappingFaultGuard`):
/// the bytes past its new end read as zeros and `truncationError` reports it.
public final class MappedFile: @unchecked Sendable {
    // @unchecked: the only state is an immutable address and length of a read-only mapping,
    // which any thread may read; madvise on it is thread-safe.
    public let path: String
    /// The file's length in bytes when it was mapped.
    public let count: Int
    /// The file as it was when it was mapped (identity, size, times).
    package let status: FileStatus
    private let base: UnsafeRawPointer?

    /// Opens and maps `path`.
    ///
    /// Throws `.cannotOpen` (with the errno text), `.notARegularFile`, or `.readFailed` (fstat
    /// or mmap failed).
    public init(path: String) throws(SafetensorsError) {
        self.path = path
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_RDONLY | O_NONBLOCK) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw SafetensorsError(file: path, kind: .cannotOpen(error))
        }
        switch descriptor.status() {
        case .success(let value): status = value
        case .failure(let error): throw SafetensorsError(file: path, kind: .readFailed(error))
        }
        guard status.kind == .regular else {
            throw SafetensorsError(file: path, kind: .notARegularFile)
        }
        count = status.size
        if count == 0 {
            base = nil
            return
        }
        MappingFaultGuard.install()
        switch Syscall.mapReadOnly(descriptor.rawValue, length: count) {
        case .success(let address): base = address
        case .failure(let error): throw SafetensorsError(file: path, kind: .readFailed(error))
        }
        Self.live.withLock { $0[UInt(bitPattern: base)] = (count, path) }
    }

    deinit {
        if let base {
            Self.live.withLock { _ = $0.removeValue(forKey: UInt(bitPattern: base)) }
            _ = Syscall.unmap(base, length: count)
        }
    }

    /// Mapped files by start address: their length and path, to name the file a fault hit.
    private static let live = Mutex<[UInt: (count: Int, path: String)]>([:])

    /// Non-nil once any mapped file was read past its end (it shrank after it was mapped): the
    /// first such file, its mapped and current sizes. Sticky: every later call returns it too,
    /// since bytes read from it since then are not the file's. Cheap enough to call per chunk.
    public static var truncationError: SafetensorsError? {
        guard MappingFaultGuard.faultCount > 0 else { return nil }
        let address = MappingFaultGuard.firstFaultAddress
        let owner = live.withLock { mappings in
            mappings.first { address >= $0.key && address - $0.key < UInt($0.value.count) }?.value
        }
        guard let owner else {
            return SafetensorsError(file: "(a mapped file)", kind: .changedWhileMapped(mappedSize: 0, currentSize: nil))
        }
        let current = try? FileStatus.of(owner.path).get().size
        return SafetensorsError(file: owner.path, kind: .changedWhileMapped(mappedSize: owner.count, currentSize: current))
    }

    /// An error if the file at `path` is now shorter than what was mapped (nil otherwise). For
    /// readers that hand mapped bytes to a system call, which reports EFAULT instead of faulting.
    public func shrinkError() -> SafetensorsError? {
        guard let current = try? FileStatus.of(path).get().size, current < count else { return nil }
        return SafetensorsError(file: path, kind: .changedWhileMapped(mappedSize: count, currentSize: current))
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
