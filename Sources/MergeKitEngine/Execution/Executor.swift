import Foundation
import MergeKitSafetensors
import MergeKitTensor
import Synchronization

/// Computes every job of a plan and pwrites each result at its planned offset. Jobs are
/// independent (their places in the shards are fixed up front), so workers take them in any
/// order; each job streams row chunks, so memory stays at a few chunks per worker.
public struct Executor: Sendable {
    public var threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    public func run(_ plan: MergePlan, writers: [ShardFileWriter], progress: ProgressReporter?) throws {
        let next = Atomic<Int>(0)
        let failure = Mutex<(any Error)?>(nil)
        let jobs = plan.jobs
        DispatchQueue.concurrentPerform(iterations: min(threads, max(jobs.count, 1))) { _ in
            while failure.withLock({ $0 == nil }) {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < jobs.count else { return }
                do {
                    try Self.execute(jobs[index], plan: plan, writers: writers)
                    progress?.finished(bytes: jobs[index].outputBytes)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    static func execute(_ job: TensorJob, plan: MergePlan, writers: [ShardFileWriter]) throws {
        guard let placed = plan.layout.location(of: job.outputName) else {
            preconditionFailure("the layout was planned from these jobs")
        }
        let writer = writers[placed.shardIndex]
        defer { for input in job.inputs { input.file.releasePages(of: input.info) } }
        if let verbatim = job.verbatimInput {
            let input = job.inputs[verbatim]
            try input.file.withData(of: input.info) { bytes in
                try writer.write(bytes, at: placed.fileOffset)
            }
            return
        }
        let reader = ChunkReader(job: job, chunkElements: plan.chunkElements)
        let kernel = try plan.method.makeKernel(for: job.merge, source: reader)
        let ranges = reader.chunkRanges
        let capacity = ranges.first?.count ?? 0
        let merged = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(capacity, 1))
        defer { merged.deallocate() }
        let encoded = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity * job.outputDType.byteSize, 1), alignment: 16)
        defer { encoded.deallocate() }
        let size = job.outputDType.byteSize
        for range in ranges {
            let chunk = reader.read(range)
            let output = UnsafeMutableBufferPointer(rebasing: merged[0..<range.count])
            kernel.merge(chunk, into: output)
            let bytes = UnsafeMutableRawBufferPointer(rebasing: encoded[0..<(range.count * size)])
            ElementConversion.encode(UnsafeBufferPointer(output), as: job.outputDType, into: bytes)
            try writer.write(UnsafeRawBufferPointer(bytes), at: placed.fileOffset + range.lowerBound * size)
        }
    }
}
