import MergeKitSafetensors

/// The compute step a whole run (`MergeRunner`) and a part (`PartRunner`) share: the jobs of
/// `plan` its journal does not list as finished run, each tensor is journaled with its checksum
/// once written, and the executor's stops become the errors a run reports. A rejected input
/// (NaN / ±Inf under `--strict`) is like a bad header: `discard` removes what the run wrote. An
/// interruption is `MergeInterrupted` with the journal's count; any other failure is
/// `MergeStopped`, the work directory kept for `--resume`.
struct JournaledExecution {
    /// The jobs this run is responsible for (a part's only, for a part).
    var plan: MergePlan
    /// Positions in `plan.jobs` of the tensors the journal already holds.
    var finished: Set<Int>
    var journal: MergeJournal
    var journalName: String
    var partialPath: String
    var threads: Int
    var interrupt: InterruptFlag?

    /// Runs the remaining jobs into `writers`; returns the inputs that held non-finite values.
    func run(
        writers: [ShardFileWriter], progress: ProgressReporter?, discard: () -> Void
    ) throws -> [NonFiniteInputs.Finding] {
        var remaining = plan
        remaining.jobs = plan.jobs.enumerated().filter { !finished.contains($0.offset) }.map(\.element)
        progress?.skip(tensors: finished.count, bytes: finished.reduce(0) { $0 + plan.jobs[$1].outputBytes })
        var executor = Executor(threads: threads, strict: plan.strict)
        executor.interrupt = interrupt
        executor.onJobFinished = { [layout = plan.layout, partial = partialPath, journal] job in
            try Self.record(job, layout: layout, partial: partial, in: journal)
        }
        do {
            try executor.run(remaining, writers: writers, progress: progress)
        } catch let error as NonFiniteInputError {
            discard()
            throw error
        } catch is ExecutionInterrupted {
            let total = plan.jobs.count
            let done = MergeJournal.load(from: partialPath, name: journalName)?.finished.count ?? finished.count
            throw MergeInterrupted(
                signal: interrupt?.signal ?? 0, finishedTensors: min(done, total), totalTensors: total, partialPath: partialPath)
        } catch {
            throw MergeStopped(partialPath: partialPath, underlying: error)
        }
        return executor.nonFinite.all
    }

    /// Journals a finished tensor with the checksum of its bytes as they are in the shard file.
    static func record(_ job: TensorJob, layout: ShardLayout, partial: String, in journal: MergeJournal) throws {
        guard let placed = layout.location(of: job.outputName) else { return }
        let file = ModelDirectory.join(partial, layout.shards[placed.shardIndex].fileName)
        let checksum: UInt64
        switch ResumeVerifier.checksum(of: file, offset: placed.fileOffset, count: placed.byteCount) {
        case .success(let value?): checksum = value
        case .success(nil): throw OutputError(.io, "cannot read back '\(job.outputName)' from '\(file)': the file ends before the tensor does")
        case .failure(let error): throw OutputError(.io, "cannot read back '\(job.outputName)' from '\(file)'", underlying: error)
        }
        try journal.record(tensor: job.outputName, checksum: checksum)
    }
}
