import MergeKitSafetensors

/// Publishes a merge split into parts (`mergekit-swift finalize`): once `PartCheck` finds every
/// part of the split finished, made for this plan and intact, it writes the small files (index,
/// config, tokenizer, card, recipe), removes the parts' journals, manifests and locks, syncs and
/// renames `<out>.partial/` to `<out>`, as `apply` does. Otherwise it publishes nothing and
/// throws `PartsNotReady`, naming each part that is missing or failed.
public struct PartFinalizer: Sendable {
    public var plan: MergePlan
    public var output: OutputDirectory
    /// Replace an existing `<out>` (a previous merge output or an empty directory).
    public var force: Bool
    /// Threads that verify the shards' checksums.
    public var threads: Int
    /// Copy the tokenizer source's tokenizer files, as `apply` does (`--no-copy-tokenizer`).
    public var copiesTokenizer = true
    /// Write README.md, the model card, as `apply` does (`--no-write-model-card`).
    public var writesModelCard = true

    public init(plan: MergePlan, output: OutputDirectory, force: Bool, threads: Int) {
        self.plan = plan
        self.output = output
        self.force = force
        self.threads = threads
    }

    /// As `MergeRunner.tokenizerWarning`: the recipe's tokenizer or chat template not written.
    public var tokenizerWarning: String? {
        MergeRunner.tokenizerWarning(for: plan, copiesTokenizer: copiesTokenizer)
    }

    public struct Outcome: Sendable {
        public var parts: Int
        public var total: Duration
        public var sync: Duration
    }

    /// Validates the output paths as `apply` does, and that there is a work directory to publish.
    public func checkOutput() throws(OutputError) {
        try output.checkAllowed(
            inputDirectories: plan.models.map(\.path), inputFiles: plan.models.flatMap(\.inputFiles),
            recipe: plan.recipe.file, force: force)
        guard case .success(let status) = FileStatus.of(output.partialPath, followingLinks: false) else {
            throw OutputError(.refused, "nothing to finalize: '\(output.partialPath)' does not exist; run apply --part I/K for every part first")
        }
        guard status.kind == .directory else {
            throw OutputError(.refused, "'\(output.partialPath)' is \(status.kind.description), not a directory")
        }
    }

    @discardableResult
    public func run() throws -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        try checkOutput()
        let lock = try OutputLock.acquire(output.lockPath, for: output.path)
        defer { lock.release() }
        try checkOutput()
        let (parts, problems) = PartCheck.problems(of: plan, in: output.partialPath, threads: threads)
        guard let parts, problems.isEmpty else {
            throw PartsNotReady(partialPath: output.partialPath, parts: parts, problems: problems)
        }
        let verified = clock.now
        try syncShards()
        try MergeRunner.writeSideFiles(of: plan, to: output, copiesTokenizer: copiesTokenizer, writesModelCard: writesModelCard)
        try removeWorkFiles()
        try output.commit(force: force)
        return Outcome(parts: parts, total: clock.now - start, sync: clock.now - verified)
    }

    /// The parts synced their shards where they ran; syncing again here costs nothing when that
    /// held and makes sure of it when it did not.
    private func syncShards() throws(OutputError) {
        for shard in plan.layout.shards {
            let path = output.partialFile(shard.fileName)
            if case .failure(let error) = FileSystem.synchronize(path) {
                throw OutputError(.io, "cannot sync '\(path)'", underlying: error)
            }
        }
    }

    /// Journals, manifests, shard locks and temporary files: none is part of the model.
    private func removeWorkFiles() throws(OutputError) {
        guard case .success(let names) = FileSystem.entryNames(output.partialPath) else { return }
        for name in names where OutputDirectory.isWorkRecord(name) || name.hasPrefix(OutputDirectory.shardLockName("")) {
            try output.removeFile(name)
        }
        try output.removeTemporaryFiles()
    }
}

/// `finalize` found parts missing, made for another plan, or damaged: nothing was published.
public struct PartsNotReady: Error, Sendable, CustomStringConvertible {
    public var partialPath: String
    /// The split's part count, when the manifests tell it.
    public var parts: Int?
    public var problems: [PartProblem]

    /// The parts named in a problem.
    public var failedParts: Set<Int> {
        Set(problems.compactMap { $0.part?.index })
    }

    public var summary: String {
        let failed = failedParts.count
        let which = parts.flatMap { failed > 0 ? "\(failed) of \($0) parts not ready" : nil } ?? "the parts cannot be published"
        return "\(which); nothing was published, '\(partialPath)' is kept"
    }

    public var description: String {
        (problems.map(\.description) + [summary]).joined(separator: "\n")
    }
}
