import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitRecipe

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe and write the merged model.",
        discussion: """
            The output is built in <out>.partial/ and renamed to <out> only when complete. \
            Without -o it goes to merged/<recipe name>. A run stopped by SIGINT/SIGTERM, a kill or \
            a full disk keeps <out>.partial/ with a journal of the finished tensors: run the same \
            command with --resume to compute only what is missing. Models named by Hub id are \
            checked from their headers first; then only the files the merge reads are downloaded \
            into the Hugging Face cache.
            """)

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Option(name: .shortAndLong, help: "Output directory (default: merged/<recipe name>).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing output directory (or an interrupted run's <out>.partial/).")
    var force = false

    @Flag(name: .long, help: "Continue an interrupted run from <out>.partial/: verified tensors are kept, the rest computed.")
    var resume = false

    @Option(name: .long, help: "Largest output shard, in bytes (e.g. 5GB, 200K, 512MiB).")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @Flag(name: .long, help: "Take every input as the lock file pins it (see `lock`): Hub models at the locked commits; refuse inputs that differ.")
    var locked = false

    @Option(name: .long, help: ArgumentHelp("The lock file for --locked (default: <recipe>.lock).", valueName: "file"))
    var lockFile: String?

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubOptions

    func validate() throws {
        if lockFile != nil, !locked {
            throw ValidationError("--lock-file is for --locked")
        }
        if output?.isEmpty == true {
            throw ValidationError("-o/--output is empty; give the directory to write (it would otherwise mean the current directory)")
        }
    }

    var outputPath: String {
        output ?? "merged/" + ((recipe as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    func run() async throws {
        do {
            let plan = try await preparedPlan()
            if !global.quiet { CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe) }
            let interrupt = InterruptFlag()
            interrupt.install()
            let runner = MergeRunner(
                plan: plan, output: OutputDirectory(path: outputPath), force: force, threads: global.workerCount,
                resume: resume, interrupt: interrupt)
            try runner.checkOutput()
            let progress = ProgressReporter.isTerminal && !global.quiet
                ? ProgressReporter(totalTensors: plan.jobs.count, totalBytes: plan.layout.totalDataBytes) : nil
            let timings: MergeRunner.Timings
            do {
                timings = try runner.run(progress: progress)
                progress?.close()
            } catch {
                progress?.close()
                throw error
            }
            for finding in timings.nonFiniteInputs {
                CommandFailure.printWarning("\(finding.file): tensor '\(finding.tensor)' holds \(finding.count) NaN or infinite value\(finding.count == 1 ? "" : "s"); merged as they are (--strict makes this an error)")
            }
            if !global.quiet {
                let shards = plan.layout.shards.count
                let resumed = timings.resumedTensors > 0 ? " (resumed: \(timings.resumedTensors) tensors kept)" : ""
                print("wrote \(TerminalText.escaped(runner.output.path)): \(plan.jobs.count) tensors, \(plan.outputLayerCount) layers, \(shards) shard\(shards == 1 ? "" : "s"), \(ByteFormatting.format(plan.bytesWritten)) in \(Self.seconds(timings.total)) (sync \(Self.seconds(timings.sync)))\(resumed)")
            }
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }

    /// The plan to run, everything checked first: the recipe and every input header (Hub
    /// models from their headers only), the lock file with --locked, and the output; only then
    /// the files the plan reads from Hub models are downloaded (refused early when the disk
    /// lacks the space), and the recipe planned again on the downloaded files.
    private func preparedPlan() async throws -> MergePlan {
        let loaded = try Planner.load(recipeAt: recipe)
        let lock = locked ? try LockedInputs(file: lockFile ?? recipe + ".lock", recipe: loaded.recipe) : nil
        try lock?.checkLocalModels()
        let hubInputs = try await HubInputs.prepare(loaded.recipe, options: hub, quiet: global.quiet, pinned: lock?.pinned ?? [:])
        try await lock?.checkHubModels(hubInputs, quiet: global.quiet)
        let options = PlanOptions(
            outShardSize: outShardSize.bytes, strict: global.strict, memoryBudget: global.memoryBudget.bytes,
            unsafeTruncateEmbeddings: global.unsafeTruncateEmbeddings)
        let plan = try hubInputs.plan(loaded.recipe, warnings: loaded.warnings, options: options)
        let needs = hubInputs.needs(of: plan)
        try lock?.checkFilesRead(by: plan, hubNeeds: needs)
        guard !needs.isEmpty else { return plan }
        // A refused output must not cost a download.
        try MergeRunner(plan: plan, output: OutputDirectory(path: outputPath), force: force, threads: 1, resume: resume).checkOutput()
        try hubInputs.checkDiskSpace(for: needs, outputPath: outputPath, outputBytes: plan.bytesWritten, quiet: global.quiet)
        try await hubInputs.download(needs)
        try lock?.checkDownloaded(needs, store: hubInputs.store)
        return try hubInputs.plan(loaded.recipe, warnings: loaded.warnings, options: options)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
