public import MergeKitCheckpoint
public import MergeKitSafetensors
public import MergeKitTensor
import Synchronization

/// One tensor of a named stage (a document of a multi-stage recipe) as the later stages read it:
/// the stage's `TensorJob`, streamed. When a consumer job starts, the stage's reduction passes run
/// once and its kernel is kept (`materialize`); every range a consumer decodes is then the
/// stage's map pass over that range, rounded to the stage's output dtype (what mergekit-multi's
/// intermediate model holds on disk). Nothing of the tensor is held: memory is a chunk, like any
/// input's, and the kernel is dropped once its last consumer of the run has finished. The cost
/// is CPU: the stage's map pass runs once per pass of each consumer.
public final class StageTensor: TensorSource {
    /// The stage's name (`name:` of its document).
    public let stage: String
    public let job: TensorJob
    private let state = Mutex(State())

    /// The stage's work for this tensor once its reduction passes ran.
    enum Prepared: Sendable {
        /// An identity merge: the input, read as it is.
        case copy(any TensorSource)
        /// The stage's kernel; `nonFinite` records NaN / ±Inf met in the stage's inputs.
        case merge(any MergeKernel, formats: MergeFormats, aligned: AlignedEmbedding?, nonFinite: NonFiniteInputs)
    }

    private struct State: ~Copyable {
        var prepared: Prepared?
        /// Consumers in the current run that have not finished with it.
        var pendingUses = 0
        /// Whether this tensor's own stage inputs were counted as used by it.
        var countedInputs = false
        /// Whether it was prepared in this run (at most once).
        var wasPrepared = false
    }

    init(stage: String, job: TensorJob) {
        self.stage = stage
        self.job = job
    }

    public var name: String { job.outputName }
    public var file: String { "stage '\(stage)'" }
    public var dtype: DType { job.outputDType }
    public var shape: [Int] { job.shape }
    public var elementCount: Int { job.merge.elementCount }

    /// Whether the stage copies an input's stored bytes, so a consumer may copy them too
    /// (asked while planning, before the stage ran).
    public var hasStoredBytes: Bool {
        guard let verbatim = job.verbatimInput else { return false }
        return job.inputs[verbatim].source.hasStoredBytes
    }

    public func withStoredBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard case .copy(let source) = state.withLock({ $0.prepared }) else { return nil }
        return try source.withStoredBytes(body)
    }

    public func decode(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) {
        switch state.withLock({ $0.prepared }) {
        case .copy(let source):
            source.decode(elements, into: target)
        case .merge(let kernel, let formats, let aligned, let nonFinite):
            // A truncated input read as zeros is reported by the consumer's decoder, which
            // checks `MappedFile.truncationError` after every chunk.
            // The chunk's views point into the decoder's buffers: it lives until the merge is done.
            let decoder = InputDecoder()
            withExtendedLifetime(decoder) {
                guard let chunk = try? decoder.decode(job, as: formats, elements, aligned: aligned) else {
                    target.initialize(repeating: 0)
                    return
                }
                // Recorded for the run's warnings; under --strict the consumer's own check stops it.
                try? nonFinite.check(counts: decoder.nonFiniteCounts, of: job)
                kernel.merge(chunk, into: target)
                Self.round(target, to: formats.output)
            }
        case nil:
            // Consumers prepare their stage inputs before reading; an unprepared tensor is zeros.
            target.initialize(repeating: 0)
        }
    }

    public func releasePages(_ elements: Range<Int>) {
        switch state.withLock({ $0.prepared }) {
        case .copy(let source): source.releasePages(elements)
        case .merge(_, _, let aligned, _): InputDecoder.release(job, elements, aligned: aligned)
        case nil: break
        }
    }

    public func prefetch(_ elements: Range<Int>) {
        switch state.withLock({ $0.prepared }) {
        case .copy(let source): source.prefetch(elements)
        case .merge(_, _, let aligned, _): InputDecoder.prefetch(job, elements, aligned: aligned)
        case nil: break
        }
    }

    public func shrinkError() -> SafetensorsError? {
        guard case .copy(let source) = state.withLock({ $0.prepared }) else { return nil }
        return source.shrinkError()
    }

    /// What decoding `rows` rows allocates beyond the consumer's buffers: the stage's inputs
    /// decoded and its result, as the executor counts a job's chunk.
    func scratchBytes(rows: Int) -> Int {
        guard job.verbatimInput == nil else { return 0 }
        return rows * job.merge.rowLength * ExecutionBudget.bytesPerElement(job)
    }

    /// Values as the stage writes them: rounded to its output dtype and read back.
    private static func round(_ values: UnsafeMutableBufferPointer<Float>, to dtype: FloatDType) {
        guard dtype == .bf16 || dtype == .f16, !values.isEmpty else { return }
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: values.count * dtype.byteSize, alignment: 16)
        defer { bytes.deallocate() }
        ElementConversion.encode(UnsafeBufferPointer(values), as: dtype, into: bytes)
        ElementConversion.decode(UnsafeRawBufferPointer(bytes), as: dtype, into: values)
    }

    /// Counts one consumer of this tensor in the coming run; the first count also counts this
    /// tensor as a consumer of its own stage inputs. A tensor no consumer holds starts afresh, so
    /// a later run (the output after `--keep-intermediates` wrote the stages) may prepare it again.
    func reserveUse() {
        let first = state.withLock { state -> Bool in
            if state.pendingUses <= 0 {
                state.pendingUses = 0
                state.countedInputs = false
                state.wasPrepared = false
            }
            state.pendingUses += 1
            defer { state.countedInputs = true }
            return !state.countedInputs
        }
        if first { Self.reserveInputs(of: job) }
    }

    /// Counts the stage inputs of `jobs` as used once by each job (before a run).
    static func reserveInputs(of jobs: [TensorJob]) {
        for job in jobs { reserveInputs(of: job) }
    }

    private static func reserveInputs(of job: TensorJob) {
        for case let stageInput as StageTensor in job.inputs.map(\.source) { stageInput.reserveUse() }
    }

    /// Prepares every stage input of `job` that is not prepared yet (and theirs, first).
    static func materializeInputs(of job: TensorJob, with preparer: StagePreparer) throws {
        for case let stageInput as StageTensor in job.inputs.map(\.source) { try stageInput.materialize(with: preparer) }
    }

    /// One consumer job is done with the stage inputs of `job`: each is dropped after its last.
    static func finishedUsing(inputsOf job: TensorJob) {
        for case let stageInput as StageTensor in job.inputs.map(\.source) { stageInput.finishedUse() }
    }

    /// Runs the stage's reduction passes unless they ran. Consumers on other workers wait for
    /// it here (the lock is per tensor and stages form no cycle, so waits cannot deadlock). The
    /// tensor's stage inputs stay prepared while it is: its decoding reads them.
    func materialize(with preparer: StagePreparer) throws {
        try state.withLock { state in
            guard state.prepared == nil else { return }
            guard !state.wasPrepared else {
                throw StageError("the tensor '\(job.outputName)' of stage '\(stage)' was needed after it was dropped")
            }
            try StageTensor.materializeInputs(of: job, with: preparer)
            state.prepared = try preparer.prepare(job)
            state.wasPrepared = true
        }
    }

    private func finishedUse() {
        let dropped = state.withLock { state -> Bool in
            state.pendingUses -= 1
            guard state.pendingUses <= 0, state.prepared != nil else { return false }
            state.prepared = nil
            return true
        }
        // Its own stage inputs were read through it until now.
        if dropped { Self.finishedUsing(inputsOf: job) }
    }
}
