public import MergeKitCheckpoint
public import MergeKitSafetensors
public import MergeKitTensor
import Synchronization

/// One tensor of a named stage (a document of a multi-stage recipe) as the later stages read it:
/// the stage's `TensorJob`, computed when a consumer job starts (`materialize`), held in the
/// stage's output dtype (so it is rounded exactly as mergekit-multi's intermediate model on disk
/// is), and dropped once its last consumer of the run has finished. Memory is therefore a few
/// whole tensors per worker and stage depth, never a whole intermediate model.
public final class StageTensor: TensorSource {
    /// The stage's name (`name:` of its document).
    public let stage: String
    public let job: TensorJob
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var bytes: UnsafeMutableRawBufferPointer?
        /// Consumers in the current run that have not finished with it.
        var pendingUses = 0
        /// Whether this tensor's own stage inputs were counted as used by it.
        var countedInputs = false
        /// Whether it was computed in this run (it is computed at most once).
        var computed = false
    }

    init(stage: String, job: TensorJob) {
        self.stage = stage
        self.job = job
    }

    deinit {
        state.withLock { $0.bytes?.deallocate() }
    }

    public var name: String { job.outputName }
    public var file: String { "stage '\(stage)'" }
    public var dtype: DType { job.outputDType }
    public var shape: [Int] { job.shape }
    public var elementCount: Int { job.merge.elementCount }

    public func withStoredBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard let bytes = state.withLock({ $0.bytes }) else { return nil }
        return try body(UnsafeRawBufferPointer(bytes))
    }

    public func decode(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) {
        let size = dtype.byteSize
        guard let bytes = state.withLock({ $0.bytes }) else {
            // Consumers materialize their stage inputs before reading; an unread tensor is zeros.
            target.initialize(repeating: 0)
            return
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[(elements.lowerBound * size)..<(elements.upperBound * size)])
        ElementConversion.decode(slice, as: dtype, into: target)
    }

    public func releasePages(_ elements: Range<Int>) {}
    public func prefetch(_ elements: Range<Int>) {}
    public func shrinkError() -> SafetensorsError? { nil }

    /// Counts one consumer of this tensor in the coming run; the first count also counts this
    /// tensor as a consumer of its own stage inputs. A tensor no consumer holds starts afresh, so
    /// a later run (the output after `--keep-intermediates` wrote the stages) may compute it again.
    func reserveUse() {
        let first = state.withLock { state -> Bool in
            if state.pendingUses <= 0 {
                state.pendingUses = 0
                state.countedInputs = false
                state.computed = false
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

    /// Computes every stage input of `job` that is not in memory yet (and theirs, first).
    static func materializeInputs(of job: TensorJob, with runner: StageJobRunner) throws {
        for case let stageInput as StageTensor in job.inputs.map(\.source) { try stageInput.materialize(with: runner) }
    }

    /// One consumer job is done with the stage inputs of `job`: each is dropped after its last.
    static func finishedUsing(inputsOf job: TensorJob) {
        for case let stageInput as StageTensor in job.inputs.map(\.source) { stageInput.finishedUse() }
    }

    /// Computes the tensor unless it is in memory. Consumers on other workers wait for it here
    /// (the lock is per tensor and stages form no cycle, so waits cannot deadlock).
    func materialize(with runner: StageJobRunner) throws {
        try state.withLock { state in
            guard state.bytes == nil else { return }
            guard !state.computed else {
                throw StageError("the tensor '\(job.outputName)' of stage '\(stage)' was needed after it was dropped")
            }
            try StageTensor.materializeInputs(of: job, with: runner)
            state.bytes = try runner.compute(job)
            state.computed = true
            StageTensor.finishedUsing(inputsOf: job)
        }
    }

    private func finishedUse() {
        state.withLock { state in
            state.pendingUses -= 1
            if state.pendingUses <= 0 {
                state.bytes?.deallocate()
                state.bytes = nil
            }
        }
    }
}
