import Foundation
import MergeKitSafetensors

/// Decides which tensors of an interrupted run can be kept: those the journal lists for the same
/// plan whose bytes in the shard file still hash to the recorded checksum.
enum ResumeVerifier {
    /// Job indices already complete in `partial` (empty when nothing can be trusted).
    static func finishedJobs(of plan: MergePlan, in partial: String, fingerprint: UInt64) -> Set<Int> {
        guard let journal = MergeJournal.load(from: partial), journal.fingerprint == fingerprint else { return [] }
        var done = Set<Int>()
        for (index, job) in plan.jobs.enumerated() {
            guard let recorded = journal.finished[job.outputName],
                  let placed = plan.layout.location(of: job.outputName) else { continue }
            let file = ModelDirectory.join(partial, plan.layout.shards[placed.shardIndex].fileName)
            if checksum(of: file, offset: placed.fileOffset, count: placed.byteCount) == recorded {
                done.insert(index)
            }
        }
        return done
    }

    /// The checksum of `count` bytes at `offset` in `path`, or nil if they cannot be read.
    static func checksum(of path: String, offset: Int, count: Int) -> UInt64? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var hash = OutputChecksum()
        let blockSize = 1 << 22
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let want = min(blockSize, count - done)
            let got = pread(descriptor, buffer.baseAddress, want, off_t(offset + done))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            done += got
        }
        return hash.value
    }
}
