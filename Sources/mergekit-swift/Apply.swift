import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitRecipe

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe and write the merged model.",
        discussion: """
            The output is built in <out>.partial/ and renamed to <out> only when complete. \
            Without an output directory it goes to merged/<recipe name>. A run stopped by SIGINT/SIGTERM, a kill or \
            a full disk keeps <out>.partial/ with a journal of the finished tensors: run the same \
            command with --resume to compute only what is missing. Models named by Hub id are \
            checked from their headers first; then only the files the merge reads are downloaded \
            into the Hugging Face cache. mergekit-yaml command lines \
            work as they are (`mergekit-swift apply CONFIG OUT [flags]`, or the binary run as \
            mergekit-yaml); its flags that have nothing to do here (--cuda, --lazy-unpickle, ...) \
            are accepted with a note saying why, and listed by --help-hidden.

            With --part I/K (0 ≤ I < K) the run computes only the output shards of part I of K \
            into the shared <out>.partial/ and publishes nothing; once all K parts are done, \
            `mergekit-swift finalize` checks them and publishes the output (docs/scale-out.md).
            """)

    @OptionGroup var arguments: ApplyArguments

    func run() async throws {
        try await Self.run(arguments)
    }

    /// `keepingExistingStages` (mergekit-multi's --lazy / --no-lazy): with --keep-intermediates,
    /// a stage directory that already holds a model is kept (true) or replaced (false); nil: as
    /// the output is (refused unless --force).
    static func run(_ arguments: ApplyArguments, keepingExistingStages: Bool? = nil) async throws {
        let global = arguments.global
        let recipe = arguments.recipe
        if !global.quiet {
            for note in arguments.mergekit.notes { CommandFailure.printNote(note) }
        }
        do {
            let plan = try await preparedPlan(arguments)
            if !global.quiet { CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe) }
            let interrupt = InterruptFlag()
            interrupt.install()
            if let part = arguments.part {
                try runPart(part.value, of: plan, arguments: arguments, interrupt: interrupt)
                return
            }
            if let directory = arguments.keepIntermediates {
                try writeStages(of: plan, into: directory, arguments: arguments, keepingExisting: keepingExistingStages, interrupt: interrupt)
            }
            var runner = MergeRunner(
                plan: plan, output: OutputDirectory(path: arguments.outputPath), force: arguments.force, threads: global.workerCount,
                resume: arguments.resume, interrupt: interrupt)
            runner.copiesTokenizer = arguments.copyTokenizer
            runner.writesModelCard = arguments.writeModelCard
            try runner.checkOutput()
            let progress = global.quiet ? nil : ProgressReporter(
                totalTensors: plan.jobs.count, totalBytes: plan.layout.totalDataBytes,
                style: .forStandardError(logInterval: arguments.progressInterval), perTensor: global.verbose > 0)
            let timings: MergeRunner.Timings
            do {
                timings = try runner.run(progress: progress)
                progress?.close(completed: true)
            } catch {
                progress?.close(completed: false)
                throw error
            }
            for finding in timings.nonFiniteInputs {
                CommandFailure.printWarning("\(finding.file): tensor '\(finding.tensor)' holds \(finding.count) NaN or infinite value\(finding.count == 1 ? "" : "s"); merged as they are (--strict makes this an error)")
            }
            if !global.quiet {
                let shards = plan.layout.shards.count
                let resumed = timings.resumedTensors > 0 ? " (resumed: \(timings.resumedTensors) tensors kept)" : ""
                let vocabulary = plan.vocabulary.map { ", vocabulary \($0.plan.tokenCount) tokens" } ?? ""
                let tokenizer = runner.tokenizerWarning.map { "; warning: " + $0 } ?? ""
                print(TerminalText.escaped("wrote \(runner.output.path): \(plan.jobs.count) tensors, \(plan.outputLayerCount) layers\(vocabulary), \(shards) shard\(shards == 1 ? "" : "s"), \(ByteFormatting.format(plan.bytesWritten)) in \(Self.seconds(timings.total)) (sync \(Self.seconds(timings.sync)))\(resumed)\(tokenizer)"))
            }
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }

    /// `--keep-intermediates DIR`: each stage the output reads, written to DIR/<name> as a
    /// whole model (with the same checks, lock, journal and --force / --resume as the output),
    /// before the output is merged. The output's run computes the stage tensors it needs again.
    static func writeStages(
        of plan: MergePlan, into directory: String, arguments: ApplyArguments, keepingExisting: Bool?, interrupt: InterruptFlag
    ) throws {
        let global = arguments.global
        if plan.stages.isEmpty, !global.quiet {
            CommandFailure.printWarning("--keep-intermediates: the recipe has no named stage to write")
        }
        for stage in plan.stages {
            let path = (directory as NSString).appendingPathComponent(stage.name.value)
            if keepingExisting == true, holdsModel(path) {
                if !global.quiet { print(TerminalText.escaped("kept stage '\(stage.name.value)' in \(path): it already holds a model (--lazy)")) }
                continue
            }
            var runner = MergeRunner(
                plan: stage.plan, output: OutputDirectory(path: path), force: arguments.force || keepingExisting == false,
                threads: global.workerCount, resume: arguments.resume, interrupt: interrupt)
            runner.copiesTokenizer = arguments.copyTokenizer
            runner.writesModelCard = arguments.writeModelCard
            try runner.checkOutput()
            let timings = try runner.run(progress: nil)
            if !global.quiet {
                print(TerminalText.escaped("wrote stage '\(stage.name.value)' to \(runner.output.path): \(stage.plan.jobs.count) tensors, \(stage.plan.outputLayerCount) layers in \(Self.seconds(timings.total))"))
            }
        }
    }

    /// mergekit-multi's test for a stage already made: config.json and a weights file.
    private static func holdsModel(_ path: String) -> Bool {
        let files = ["config.json"] + ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"]
        return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(files[0]))
            && files.dropFirst().contains { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent($0)) }
    }

    private static func runPart(_ part: MergePart, of plan: MergePlan, arguments: ApplyArguments, interrupt: InterruptFlag) throws {
        let global = arguments.global
        let runner = PartRunner(
            plan: plan, part: part, output: OutputDirectory(path: arguments.outputPath), force: arguments.force, threads: global.workerCount,
            resume: arguments.resume, interrupt: interrupt)
        try runner.checkOutput()
        let shards = runner.shardIndices
        if shards.isEmpty, !global.quiet {
            CommandFailure.printWarning("part \(part) has no shard to compute: the output has \(plan.layout.shards.count) shard\(plan.layout.shards.count == 1 ? "" : "s"), fewer than \(part.count) parts (use at most that many parts, or a smaller --out-shard-size)")
        }
        let jobs = runner.jobs
        let progress = global.quiet ? nil : ProgressReporter(
            totalTensors: jobs.count, totalBytes: jobs.reduce(0) { $0 + $1.outputBytes },
            style: .forStandardError(logInterval: arguments.progressInterval), perTensor: global.verbose > 0)
        let outcome: PartRunner.Outcome
        do {
            outcome = try runner.run(progress: progress)
            progress?.close(completed: true)
        } catch {
            progress?.close(completed: false)
            throw error
        }
        for finding in outcome.nonFiniteInputs {
            CommandFailure.printWarning("\(finding.file): tensor '\(finding.tensor)' holds \(finding.count) NaN or infinite value\(finding.count == 1 ? "" : "s"); merged as they are (--strict makes this an error)")
        }
        if !global.quiet {
            let resumed = outcome.resumedTensors > 0 ? " (resumed: \(outcome.resumedTensors) tensors kept)" : ""
            let count = outcome.shardFiles.count
            print("wrote part \(part) of \(TerminalText.escaped(runner.output.path)) into \(TerminalText.escaped(runner.output.partialPath)): \(count) shard\(count == 1 ? "" : "s"), \(outcome.tensors) tensors, \(ByteFormatting.format(outcome.bytesWritten)) in \(Self.seconds(outcome.total)) (sync \(Self.seconds(outcome.sync)))\(resumed); once all \(part.count) parts are done, run finalize")
        }
    }

    /// The plan to run, everything checked first: the recipe and every input header (Hub
    /// models from their headers only), the lock file with --locked, and the output; only then
    /// the files the plan reads from Hub models are downloaded (refused early when the disk
    /// lacks the space), and the recipe planned again on the downloaded files.
    private static func preparedPlan(_ arguments: ApplyArguments) async throws -> MergePlan {
        let global = arguments.global
        let recipe = arguments.recipe
        let loaded = try Planner.load(recipeAt: recipe)
        let lock = arguments.locked ? try LockedInputs(file: arguments.lockFile ?? recipe + ".lock", recipe: loaded) : nil
        try lock?.checkLocalModels()
        let hubInputs = try await HubInputs.prepare(loaded, options: arguments.hub, quiet: global.quiet, pinned: lock?.pinned ?? [:])
        try await lock?.checkHubModels(hubInputs, quiet: global.quiet)
        let options = global.planOptions(outShardSize: arguments.outShardSize.bytes)
        let plan = try hubInputs.plan(loaded, options: options)
        let needs = hubInputs.needs(of: plan, copiesTokenizer: arguments.copyTokenizer)
        try lock?.checkFilesRead(by: plan, hubNeeds: needs)
        guard !needs.isEmpty else { return plan }
        // A refused output must not cost a download.
        if let part = arguments.part {
            try PartRunner(
                plan: plan, part: part.value, output: OutputDirectory(path: arguments.outputPath), force: arguments.force, threads: 1,
                resume: arguments.resume
            ).checkOutput()
        } else {
            try MergeRunner(
                plan: plan, output: OutputDirectory(path: arguments.outputPath), force: arguments.force, threads: 1, resume: arguments.resume
            ).checkOutput()
        }
        try hubInputs.checkDiskSpace(for: needs, outputPath: arguments.outputPath, outputBytes: plan.bytesWritten, quiet: global.quiet)
        try await hubInputs.download(needs)
        try lock?.checkDownloaded(needs, store: hubInputs.store)
        return try hubInputs.plan(loaded, options: options)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
