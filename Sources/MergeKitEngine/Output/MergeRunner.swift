import MergeKitSafetensors
import MergeKitTokenizer

/// Carries out a plan: output directory checks, the tensors, then the small files, then the
/// atomic rename. On failure or interruption `<out>.partial/` stays behind, with a journal of the
/// tensors already written, and `<out>` is untouched; `resume` continues from it.
public struct MergeRunner: Sendable {
    public var plan: MergePlan
    public var output: OutputDirectory
    public var force: Bool
    public var threads: Int
    /// Continue an interrupted run's `<out>.partial/` instead of refusing to touch it.
    public var resume: Bool
    /// Checked between chunks: a raised flag stops the run cleanly (resumable).
    public var interrupt: InterruptFlag?
    /// Copy the tokenizer source's tokenizer files (`--no-copy-tokenizer` turns it off).
    public var copiesTokenizer = true
    /// Write README.md, the model card (`--no-write-model-card` turns it off).
    public var writesModelCard = true

    public init(plan: MergePlan, output: OutputDirectory, force: Bool, threads: Int, resume: Bool = false, interrupt: InterruptFlag? = nil) {
        self.plan = plan
        self.output = output
        self.force = force
        self.threads = threads
        self.resume = resume
        self.interrupt = interrupt
    }

    public struct Timings: Sendable {
        public var compute: Duration
        public var sync: Duration
        public var total: Duration
        /// Tensors kept from an interrupted run (with `resume`).
        public var resumedTensors: Int
        /// Input tensors that held NaN / ±Inf (merged as they are; `--strict` makes it an error).
        public var nonFiniteInputs: [NonFiniteInputs.Finding]
    }

    /// Validates the output path without touching anything: no existing output without `force`
    /// (and with it, only one that is recognisably a previous output), no overlap with an input,
    /// the recipe or the current directory, no interrupted run silently thrown away, enough free
    /// space. `run` checks again once it holds the output's lock.
    public func checkOutput() throws(OutputError) {
        try output.checkBeforeWriting(
            inputDirectories: plan.models.flatMap(\.inputDirectories) + [plan.tokenizer.sourceDirectory].compactMap { $0 },
            inputFiles: plan.models.flatMap(\.inputFiles),
            recipe: plan.recipe.file, force: force, resume: resume, bytesNeeded: plan.bytesWritten)
    }

    @discardableResult
    public func run(progress: ProgressReporter?) throws -> Timings {
        let clock = ContinuousClock()
        let start = clock.now
        if let file = plan.fileNotDownloaded {
            throw CheckpointError(
                file: file,
                "is known by its header only (a Hub model's file that was not downloaded); a plan that reads it can be shown and checked, not run")
        }
        try checkOutput()
        let lock = try OutputLock.acquire(output.lockPath, for: output.path)
        defer { lock.release() }
        try checkOutput()
        let fingerprint = PlanFingerprint.of(plan)
        var finished = Set<Int>()
        if resume, output.partialExists {
            finished = ResumeVerifier.finishedJobs(of: plan, in: output.partialPath, fingerprint: fingerprint)
        }
        let writers: [ShardFileWriter]
        let journal: MergeJournal
        if finished.isEmpty {
            try output.createPartial()
            // The journal first: from its first moment the work directory is recognisably ours.
            journal = try MergeJournal.create(in: output.partialPath, fingerprint: fingerprint)
            writers = try output.shardWriters(for: plan.layout)
        } else {
            writers = try output.resumedShardWriters(for: plan.layout)
            journal = try MergeJournal.reopen(in: output.partialPath)
        }
        let execution = JournaledExecution(
            plan: plan, finished: finished, journal: journal, journalName: MergeJournal.fileName, partialPath: output.partialPath,
            threads: threads, interrupt: interrupt)
        // A rejected input, like a bad header, leaves nothing behind.
        let nonFiniteInputs = try execution.run(writers: writers, progress: progress) { _ = FileSystem.removeTree(output.partialPath) }
        let computed = clock.now
        do {
            for writer in writers {
                try writer.finish()
            }
            try Self.writeSideFiles(of: plan, to: output, copiesTokenizer: copiesTokenizer, writesModelCard: writesModelCard)
            try output.removeTemporaryFiles()
        } catch {
            throw MergeStopped(partialPath: output.partialPath, underlying: error)
        }
        let synced = clock.now
        try output.removeFile(MergeJournal.fileName)
        try output.commit(force: force)
        return Timings(compute: computed - start, sync: synced - computed, total: clock.now - start, resumedTensors: finished.count,
            nonFiniteInputs: nonFiniteInputs)
    }

    /// Writes the small files, each to a temporary name then renamed: a resumed run writes them
    /// all again, so one half written by a killed run is replaced.
    static func writeSideFiles(of plan: MergePlan, to output: OutputDirectory, copiesTokenizer: Bool, writesModelCard: Bool) throws(OutputError) {
        if plan.layout.shards.count > 1 {
            try output.writeFile(ModelDirectory.indexFileName, plan.layout.indexJSON())
        }
        try output.writeFile(ModelDirectory.configFileName, plan.outputConfig.serialized(pretty: true) + "\n")
        if let generationConfig = plan.models[plan.configModelIndex].generationConfig {
            try output.copyFile(from: generationConfig.source, as: generationConfig.name)
        }
        try writeTokenizerFiles(of: plan, to: output, copiesTokenizer: copiesTokenizer)
        if writesModelCard {
            let title = output.path.split(separator: "/").last.map(String.init) ?? output.path
            try output.writeFile("README.md", ModelCard.text(for: plan, title: title))
        }
        // Kept even without a card: it is the merge's record, and what marks the folder as a
        // merge output that --force may replace.
        try output.writeFile("mergekit_config.yml", plan.recipe.source)
    }

    /// The tokenizer files the plan decided on. Files built for a recipe's vocabulary are always
    /// written; `--no-copy-tokenizer` leaves out the copied ones and the base's tokenizer
    /// re-saved for a chat template (as mergekit, which then saves no template).
    private static func writeTokenizerFiles(of plan: MergePlan, to output: OutputDirectory, copiesTokenizer: Bool) throws(OutputError) {
        switch plan.tokenizer {
        case .copied(let model):
            guard copiesTokenizer else { return }
            for file in plan.models[model].sideFiles {
                try output.copyFile(from: file.source, as: file.name)
            }
            // A stage's built tokenizer, made in memory when it was planned.
            for file in plan.models[model].tokenizerLocation?.builtFiles?.files ?? [] {
                try output.writeFile(file.name, file.bytes)
            }
            return
        case .retemplated:
            guard copiesTokenizer else { return }
        case .built, .none:
            break
        }
        let tokenizerFiles: TokenizerFiles?
        do {
            tokenizerFiles = try plan.tokenizer.files()
        } catch {
            throw OutputError(.io, "cannot write the tokenizer files", underlying: error)
        }
        for file in tokenizerFiles?.files ?? [] {
            try output.writeFile(file.name, file.bytes)
        }
    }

    /// The warning for the summary line when the recipe's tokenizer or chat template is not
    /// written: no input has a tokenizer, or `--no-copy-tokenizer` dropped a chat template.
    public var tokenizerWarning: String? {
        Self.tokenizerWarning(for: plan, copiesTokenizer: copiesTokenizer)
    }

    static func tokenizerWarning(for plan: MergePlan, copiesTokenizer: Bool) -> String? {
        if !copiesTokenizer, case .retemplated = plan.tokenizer {
            return "chat_template not written: --no-copy-tokenizer leaves out the tokenizer that carries it"
        }
        return plan.tokenizer.warning
    }
}
