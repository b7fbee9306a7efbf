import Glibc
import MergeKitSafetensors

/// Decides which tensors of an interrupted run can be kept: those the journal lists for the same
/// plan whose bytes in the shard file still hash to the recorded checksum. A tensor whose bytes
/// cannot be read (a shard cut short or missing) is computed again.
package enum ResumeVerifier {
    /// Job indices already complete in `partial` (empty when nothing can be trusted).
    static func finishedJobs(
        of plan: MergePlan, in partial: String, journal name: String = MergeJournal.fileName, fingerprint: UInt64
    ) -> Set<Int> {
        guard let journal = MergeJournal.load(from: partial, name: name), journal.fingerprint == fingerprint else { return [] }
        var done = Set<Int>()
        for (index, job) in plan.jobs.enumerated() {
            guard let recorded = journal.finished[ByteString(job.outputName)],
                  let placed = plan.layout.location(of: job.outputName) else { continue }
            let file = ModelDirectory.join(partial, plan.layout.shards[placed.shardIndex].fileName)
            if case .success(recorded?) = checksum(of: file, offset: placed.fileOffset, count: placed.byteCount) {
                done.insert(index)
            }
        }
        return done
    }

    /// The checksum of `count` bytes at `offset` in `path`; nil when the file ends before them.
    package static func checksum(of path: String, offset: Int, count: Int) -> Result<UInt64?, SystemError> {
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW) {
        case .success(let opened): descriptor = opened
        case .failure(let error): return .failure(error)
        }
        var hash = OutputChecksum()
        let blockSize = 1 << 22
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(blockSize, max(count, 1)), alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let want = min(buffer.count, count - done)
            switch descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: offset + done) {
            case .success(want): break
            case .success: return .success(nil)
            case .failure(let error): return .failure(error)
            }
            hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<want]))
            done += want
        }
        return .success(hash.value)
    }
}
