import MergeKitSafetensors

/// Computes one part of a split merge (`apply --part I/K`): the shards `PartAssignment` gives
/// it, into the shared `<out>.partial/`, each complete with its planned header, then its
/// manifest (`PartManifest`). It never publishes: `PartFinalizer` does, once every part is done.
///
/// Parts run at once, on one machine or many sharing a file system. Each holds `<out>.lock`
/// shared (a whole `apply` or a `finalize` holds it exclusively, so neither runs beside parts)
/// and an exclusive lock per shard it writes, so two runs of the same part cannot both write a
/// shard. A part touches only its own files (its shards, journal and manifest), never the work
/// directory as a whole. Its journal makes it resumable (`resume`), on any machine: the
/// fingerprint leaves out what differs between machines (`PlanFingerprint.Scope.cluster`).
public struct PartRunner: Sendable {
    public var plan: MergePlan
    public var part: MergePart
    public var output: OutputDirectory
    /// An existing `<out>` may be replaced (by `finalize --force`), and this part's earlier files
    /// are discarded and computed again.
    public var force: Bool
    public var threads: Int
    /// Keeps the tensors this part's journal and shards already hold.
    public var resume: Bool
    public var interrupt: InterruptFlag?

    public init(plan: MergePlan, part: MergePart, output: OutputDirectory, force: Bool, threads: Int, resume: Bool, interrupt: InterruptFlag? = nil) {
        self.plan = plan
        self.part = part
        self.output = output
        self.force = force
        self.threads = threads
        self.resume = resume
        self.interrupt = interrupt
    }

    public struct Outcome: Sendable {
        /// The shards this part wrote (file names, in layout order).
        public var shardFiles: [String]
        public var tensors: Int
        /// Bytes of this part's shard files, headers included.
        public var bytesWritten: Int
        /// Tensors kept from an earlier run of this part (with `resume`).
        public var resumedTensors: Int
        public var total: Duration
        public var sync: Duration
        public var nonFiniteInputs: [NonFiniteInputs.Finding]
    }

    /// The layout indices of this part's shards.
    public var shardIndices: [Int] { PartAssignment.shards(of: plan, for: part) }

    /// This part's tensors.
    public var jobs: [TensorJob] { PartAssignment.jobs(of: plan, in: Set(shardIndices)) }

    private var journalName: String { MergeJournal.partFileName(part) }
    private var manifestName: String { PartManifest.fileName(part) }

    /// The files of the work directory this part owns.
    private var ownFiles: [String] {
        shardIndices.map { plan.layout.shards[$0].fileName } + [journalName, manifestName]
    }

    /// Validates the output without touching anything: the paths as for `apply`, no whole run's
    /// work in `<out>.partial/`, this part's earlier files only with `resume` or `force`, and
    /// room for its shards. `run` checks again under the locks.
    public func checkOutput() throws(OutputError) {
        try output.checkAllowed(
            inputDirectories: plan.models.map(\.path), inputFiles: plan.models.flatMap(\.inputFiles),
            recipe: plan.recipe.file, force: force)
        guard output.partialExists else {
            try output.checkFreeSpace(needed: shardIndices.reduce(0) { $0 + plan.layout.shards[$1].fileSize })
            return
        }
        if case .success(let status) = FileStatus.of(output.partialPath, followingLinks: false), status.kind != .directory {
            throw OutputError(.refused, "'\(output.partialPath)' is \(status.kind.description), not a directory")
        }
        if OutputDirectory.exists(output.partialFile(MergeJournal.fileName)) {
            throw OutputError(.refused, "'\(output.partialPath)' holds an interrupted merge that is not split into parts; continue it with apply --resume (without --part), or remove it")
        }
        let existing = ownFiles.filter { OutputDirectory.exists(output.partialFile($0)) }
        if !existing.isEmpty, !resume, !force {
            throw OutputError(.refused, "'\(output.partialPath)' already holds files of part \(part) (\(existing.joined(separator: ", "))); pass --resume to keep what is verified, or --force to compute the part again")
        }
        let missing = shardIndices.filter { !OutputDirectory.exists(output.partialFile(plan.layout.shards[$0].fileName)) }
        try output.checkFreeSpace(needed: missing.reduce(0) { $0 + plan.layout.shards[$1].fileSize })
    }

    @discardableResult
    public func run(progress: ProgressReporter?) throws -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        try checkOutput()
        let outputLock = try OutputLock.acquire(output.lockPath, for: output.path, mode: .shared)
        defer { outputLock.release() }
        try checkOutput()
        try output.makePartial()
        let shards = shardIndices.map { plan.layout.shards[$0] }
        var shardLocks: [OutputLock] = []
        defer { for lock in shardLocks { lock.release() } }
        for shard in shards {
            shardLocks.append(try OutputLock.acquire(
                output.partialFile(OutputDirectory.shardLockName(shard.fileName)), for: output.path,
                what: "the shard '\(shard.fileName)' of '\(output.path)' (part \(part))"))
        }

        var partPlan = plan
        partPlan.jobs = jobs
        let fingerprint = PlanFingerprint.of(plan, scope: .cluster)
        var finished = Set<Int>()
        if force {
            try removeOwnFiles()
        } else if resume {
            finished = ResumeVerifier.finishedJobs(of: partPlan, in: output.partialPath, journal: journalName, fingerprint: fingerprint)
        }
        // A manifest stands for a finished part only: it goes before anything is written.
        try output.removeFile(manifestName)
        let journal = finished.isEmpty
            ? try MergeJournal.create(in: output.partialPath, name: journalName, fingerprint: fingerprint)
            : try MergeJournal.reopen(in: output.partialPath, name: journalName)
        var writers: [ShardFileWriter] = []
        for shard in shards {
            let path = output.partialFile(shard.fileName)
            writers.append(OutputDirectory.exists(path)
                ? try ShardFileWriter(resuming: path, plan: shard) : try ShardFileWriter(path: path, plan: shard))
        }
        let execution = JournaledExecution(
            plan: partPlan, finished: finished, journal: journal, journalName: journalName, partialPath: output.partialPath,
            threads: threads, interrupt: interrupt)
        // A rejected input, like a bad header: this part leaves nothing behind.
        let nonFiniteInputs = try execution.run(writers: writers, progress: progress) { try? removeOwnFiles() }
        let computed = clock.now
        do {
            for writer in writers {
                try writer.finish()
            }
            try writeManifest(fingerprint: fingerprint)
        } catch {
            throw MergeStopped(partialPath: output.partialPath, underlying: error)
        }
        return Outcome(
            shardFiles: shards.map(\.fileName), tensors: partPlan.jobs.count,
            bytesWritten: shards.reduce(0) { $0 + $1.fileSize }, resumedTensors: finished.count,
            total: clock.now - start, sync: clock.now - computed, nonFiniteInputs: nonFiniteInputs)
    }

    /// The manifest from the journal's checksums (every tensor of the part is in it now), then
    /// the work directory synced so the manifest outlives a crash of this machine.
    private func writeManifest(fingerprint: UInt64) throws(OutputError) {
        let recorded = MergeJournal.load(from: output.partialPath, name: journalName)?.finished ?? [:]
        var shards: [PartManifest.Shard] = []
        for index in shardIndices {
            let shard = plan.layout.shards[index]
            var tensors: [PartManifest.Tensor] = []
            for placed in shard.tensors {
                guard let checksum = recorded[ByteString(placed.spec.name)] else {
                    throw OutputError(.io, "the journal of part \(part) in '\(output.partialPath)' lacks the finished tensor '\(placed.spec.name)'")
                }
                tensors.append(PartManifest.Tensor(name: placed.spec.name, checksum: checksum))
            }
            shards.append(PartManifest.Shard(fileName: shard.fileName, tensors: tensors))
        }
        try output.writeFile(manifestName, PartManifest(fingerprint: fingerprint, part: part, shards: shards).json)
        if case .failure(let error) = FileSystem.synchronize(output.partialPath) {
            throw OutputError(.io, "cannot sync '\(output.partialPath)'", underlying: error)
        }
    }

    private func removeOwnFiles() throws(OutputError) {
        for name in ownFiles {
            try output.removeFile(name)
        }
    }
}
