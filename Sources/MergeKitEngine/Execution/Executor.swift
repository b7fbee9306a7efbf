import Foundation
import MergeKitCheckpoint
import MergeKitSafetensors
import MergeKitTensor
import Synchronization

/// Computes every job of a plan and pwrites each result at its planned offset. A worker that
/// takes a job runs its reduction passes (canonical blocks, in order) and makes the kernel; the
/// job's map chunks are then shared by all workers, so one large tensor uses every core. Results
/// go to fixed offsets, so order never matters and the output bytes do not depend on the thread
/// count or the memory budget.
public struct Executor: Sendable {
    public var threads: Int
    /// Checked before every chunk; once raised, workers stop and `run` throws
    /// `ExecutionInterrupted` (tensors already finished stay finished).
    public var interrupt: InterruptFlag?
    /// Called once per tensor, after its last byte is written (the resume journal's hook).
    public var onJobFinished: (@Sendable (TensorJob) throws -> Void)?
    /// NaN / ±Inf seen in the inputs (an error at once when `strict`).
    public let nonFinite: NonFiniteInputs

    public init(threads: Int, strict: Bool = false) {
        self.threads = max(1, threads)
        nonFinite = NonFiniteInputs(strict: strict)
    }

    /// Runs `plan.jobs`. `writers` are the shards those jobs write (a part of a split merge
    /// opens only its own), matched to the layout by file name.
    public func run(_ plan: MergePlan, writers: [ShardFileWriter], progress: ProgressReporter?) throws {
        let budget = plan.executionBudget(threads: threads)
        // Stage tensors (multi-stage recipes) are dropped after their last consumer in this run.
        StageTensor.reserveInputs(of: plan.jobs)
        let writers = Dictionary(writers.compactMap { writer in
            plan.layout.shards.firstIndex { $0.fileName == writer.plan.fileName }.map { ($0, writer) }
        }, uniquingKeysWith: { first, _ in first })
        let queue = WorkQueue(jobs: plan.jobs)
        let readAhead = ReadAhead(jobs: queue.jobs)
        defer { readAhead.stop() }
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: min(budget.workers, max(plan.jobs.count, 1))) { _ in
            let worker = Worker(
                plan: plan, writers: writers, budget: budget, queue: queue, readAhead: readAhead, progress: progress,
                onJobFinished: onJobFinished, nonFinite: nonFinite)
            while failure.withLock({ $0 == nil }), let task = queue.next() {
                if interrupt?.isRaised == true {
                    failure.withLock { if $0 == nil { $0 = ExecutionInterrupted() } }
                    break
                }
                do {
                    try worker.perform(task)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// One thread's buffers and the steps it performs.
private final class Worker {
    let plan: MergePlan
    let writers: [Int: ShardFileWriter]
    let budget: ExecutionBudget
    let queue: WorkQueue
    let readAhead: ReadAhead
    let progress: ProgressReporter?
    let onJobFinished: (@Sendable (TensorJob) throws -> Void)?
    let nonFinite: NonFiniteInputs
    private let decoder = InputDecoder()
    private var merged = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1)
    private var encoded = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 16)

    init(
        plan: MergePlan, writers: [Int: ShardFileWriter], budget: ExecutionBudget, queue: WorkQueue, readAhead: ReadAhead,
        progress: ProgressReporter?,
        onJobFinished: (@Sendable (TensorJob) throws -> Void)?, nonFinite: NonFiniteInputs
    ) {
        self.nonFinite = nonFinite
        self.plan = plan
        self.writers = writers
        self.budget = budget
        self.queue = queue
        self.readAhead = readAhead
        self.progress = progress
        self.onJobFinished = onJobFinished
    }

    deinit {
        merged.deallocate()
        encoded.deallocate()
    }

    func perform(_ task: WorkQueue.Task) throws {
        switch task {
        case .start(let job, let order): try start(job, order: order)
        case .chunk(let active, let index): try run(active, chunk: index)
        }
    }

    /// Reduction passes, then the job's map chunks are opened to every worker.
    private func start(_ job: TensorJob, order: Int) throws {
        // `PlanBuilder` lays out every job it plans, and every shard a run writes has a writer; a
        // plan whose jobs were edited by a program embedding the engine may not match its layout.
        guard let placed = plan.layout.location(of: job.outputName), let writer = writers[placed.shardIndex] else {
            throw UnplannedTensor(name: job.outputName)
        }
        try StageTensor.materializeInputs(of: job, with: StagePreparer(blockElements: budget.blockElements, nonFinite: nonFinite))
        readAhead.reached(job: order, element: 0)
        let work: ActiveJob.Work
        var aligned: AlignedEmbedding?
        switch job.storage {
        case .copy(let input):
            work = .copy(input: input)
        case .merge(let formats):
            aligned = try job.alignedRows.map {
                try AlignedEmbedding.prepare(job, as: formats, rows: $0, blockElements: budget.blockElements, decoder: decoder)
            }
            let reader = ChunkReader(job: job, formats: formats, blockElements: budget.blockElements, aligned: aligned)
            let source = ReadAheadTrackedSource(reader: reader) { [readAhead] elements in
                readAhead.reached(job: order, element: elements.upperBound)
            }
            work = .merge(try job.prepared.makeKernel(source: source), formats)
        }
        let rows = ExecutionBudget.mapChunkRows(job.merge, chunkElements: budget.mapChunkElements)
        let chunks = ChunkReader.ranges(elementCount: job.merge.elementCount, step: rows * job.merge.rowLength)
        let active = ActiveJob(
            job: job, order: order, work: work, aligned: aligned, writer: writer, fileOffset: placed.fileOffset, chunks: chunks)
        if chunks.isEmpty {
            StageTensor.finishedUsing(inputsOf: job)
            readAhead.finished(job: order)
            try onJobFinished?(job)
            progress?.finished(job.outputName, bytes: 0)
            return
        }
        queue.open(active)
    }

    private func run(_ active: ActiveJob, chunk index: Int) throws {
        let job = active.job
        let range = active.chunks[index]
        readAhead.reached(job: active.order, element: range.upperBound)
        if index + 1 < active.chunks.count { InputDecoder.prefetch(job, active.chunks[index + 1], aligned: active.aligned) }
        switch active.work {
        case .copy(let input):
            let source = job.inputs[input].source
            let stored = source.dtype.byteSize
            let at = active.fileOffset + range.lowerBound * stored
            let copied: Void?
            do {
                copied = try source.withStoredBytes { bytes throws(SafetensorsError) in
                    try active.writer.write(UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound * stored)..<(range.upperBound * stored)]), at: at)
                }
            } catch {
                // Mapped bytes past the end of a shrunken input make pwrite fail with EFAULT
                // (the kernel reads them, no SIGBUS): blame the input, not the output.
                throw source.shrinkError() ?? error
            }
            guard copied != nil else { preconditionFailure("the job factory copies only sources with stored bytes") }
            if let truncated = MappedFile.truncationError { throw truncated }
        case .merge(let kernel, let formats):
            let size = formats.output.byteSize
            let at = active.fileOffset + range.lowerBound * size
            let chunk = try decoder.decode(job, as: formats, range, aligned: active.aligned)
            try nonFinite.check(counts: decoder.nonFiniteCounts, of: job)
            reserve(elements: range.count, bytesPerElement: size)
            let output = UnsafeMutableBufferPointer(rebasing: merged[0..<range.count])
            kernel.merge(chunk, into: output)
            let bytes = UnsafeMutableRawBufferPointer(rebasing: encoded[0..<(range.count * size)])
            ElementConversion.encode(UnsafeBufferPointer(output), as: formats.output, into: bytes)
            try active.writer.write(UnsafeRawBufferPointer(bytes), at: at)
        }
        InputDecoder.release(job, range, aligned: active.aligned)
        if active.finishChunk() {
            StageTensor.finishedUsing(inputsOf: job)
            readAhead.finished(job: active.order)
            try onJobFinished?(job)
            progress?.finished(job.outputName, bytes: job.outputBytes)
        }
    }

    private func reserve(elements: Int, bytesPerElement: Int) {
        if merged.count < elements {
            merged.deallocate()
            merged = .allocate(capacity: elements)
        }
        if encoded.count < elements * bytesPerElement {
            encoded.deallocate()
            encoded = .allocate(byteCount: elements * bytesPerElement, alignment: 16)
        }
    }
}

/// The run stopped because its `InterruptFlag` was raised.
struct ExecutionInterrupted: Error {}

/// A job of the plan has no place in the plan's shard layout.
public struct UnplannedTensor: Error, Sendable, CustomStringConvertible {
    public var name: String

    public var description: String {
        "tensor '\(name)' is not in the plan's shard layout; the plan's jobs and layout do not match"
    }
}
