import Glibc
import Synchronization

/// Writes one planned shard: the header at creation, then tensor bytes at their planned offsets
/// from any number of threads (`pwrite` needs no shared file position), then `finish()`.
///
/// The file is created with `O_EXCL`, so an existing file (possibly an input still mapped by a
/// reader) is never truncated or overwritten. If the writer is dropped without `finish()`, the
/// descriptor is closed and the incomplete file is left for the caller to remove.
public final class ShardFileWriter: Sendable {
    public let path: String
    public let plan: ShardPlan
    private let descriptor: FileDescriptor
    private let isFinished = Mutex(false)

    /// Creates `path`, writes the header and sizes the file to `plan.fileSize`.
    public init(path: String, plan: ShardPlan) throws(SafetensorsError) {
        switch FileDescriptor.open(path, flags: O_CREAT | O_EXCL | O_WRONLY, mode: 0o644) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw SafetensorsError(file: path, kind: .cannotOpen(error))
        }
        self.path = path
        self.plan = plan
        if case .failure(let error) = descriptor.truncate(to: plan.fileSize) {
            throw SafetensorsError(file: path, kind: .writeFailed(error))
        }
        try plan.headerBytes.withUnsafeBytes { bytes in
            Result { () throws(SafetensorsError) in try writeAll(bytes, at: 0) }
        }.get()
    }

    /// Reopens a shard an interrupted run created (for `--resume`): its header is rewritten and
    /// its size set back to the planned one (a file cut short, by a full disk or a copy, grows
    /// back with zeros; the caller recomputes the tensors whose bytes no longer match their
    /// checksums), its other bytes are left as they are.
    public init(resuming path: String, plan: ShardPlan) throws(SafetensorsError) {
        switch FileDescriptor.open(path, flags: O_WRONLY | O_NOFOLLOW, mode: 0) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw SafetensorsError(file: path, kind: .cannotOpen(error))
        }
        self.path = path
        self.plan = plan
        switch descriptor.status() {
        case .success(let status) where status.kind != .regular:
            throw SafetensorsError(file: path, kind: .notARegularFile)
        case .success(let status) where status.size != plan.fileSize:
            if case .failure(let error) = descriptor.truncate(to: plan.fileSize) {
                throw SafetensorsError(file: path, kind: .writeFailed(error))
            }
        case .success:
            break
        case .failure(let error):
            throw SafetensorsError(file: path, kind: .readFailed(error))
        }
        try plan.headerBytes.withUnsafeBytes { bytes in
            Result { () throws(SafetensorsError) in try writeAll(bytes, at: 0) }
        }.get()
    }

    /// Writes `bytes` at absolute `fileOffset`, looping over short writes. Safe to call from
    /// several threads at once for disjoint ranges.
    ///
    /// - Precondition: the range lies in the data section (after the header, within
    ///   `plan.fileSize`) and `finish()` has not been called.
    public func write(_ bytes: UnsafeRawBufferPointer, at fileOffset: Int) throws(SafetensorsError) {
        precondition(
            fileOffset >= plan.headerBytes.count && bytes.count <= plan.fileSize - fileOffset,
            "ShardFileWriter.write: \(bytes.count) bytes at \(fileOffset) outside the data of \(path)")
        precondition(!isFinished.withLock { $0 }, "ShardFileWriter.write after finish: \(path)")
        try writeAll(bytes, at: fileOffset)
    }

    /// Flushes the file to disk (`fsync`) and closes it.
    ///
    /// - Precondition: called once, after every `write` has returned.
    public func finish() throws(SafetensorsError) {
        let wasFinished = isFinished.withLock { finished in
            defer { finished = true }
            return finished
        }
        precondition(!wasFinished, "ShardFileWriter.finish called twice: \(path)")
        let synced = descriptor.synchronize()
        let closed = descriptor.close()
        if case .failure(let error) = synced {
            throw SafetensorsError(file: path, kind: .writeFailed(error))
        }
        if case .failure(let error) = closed {
            throw SafetensorsError(file: path, kind: .writeFailed(error))
        }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, at fileOffset: Int) throws(SafetensorsError) {
        if case .failure(let error) = descriptor.write(bytes, at: fileOffset) {
            throw SafetensorsError(file: path, kind: .writeFailed(error))
        }
    }
}
