import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitRecipe

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe and write the merged model.",
        discussion: """
            The output is built in <out>.partial/ and renamed to <out> only when complete. \
            Without -o it goes to merged/<recipe name>. A run stopped by SIGINT/SIGTERM, a kill or \
            a full disk keeps <out>.partial/ with a journal of the finished tensors: run the same \
            command with --resume to compute only what is missing.

            With --part I/K (0 ≤ I < K) the run computes only the output shards of part I of K \
            into the shared <out>.partial/ and publishes nothing; once all K parts are done, \
            `mergekit-swift finalize` checks them and publishes the output (docs/scale-out.md).
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

    @Option(name: .long, help: ArgumentHelp(
        "Compute only part I of K (0 ≤ I < K) of a merge split over K runs, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; `finalize` publishes it.",
        valueName: "I/K"))
    var part: PartArgument?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if output?.isEmpty == true {
            throw ValidationError("-o/--output is empty; give the directory to write (it would otherwise mean the current directory)")
        }
    }

    var outputPath: String {
        output ?? "merged/" + ((recipe as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    func run() throws {
        do {
            let plan = try Planner.plan(recipeAt: recipe, options: PlanOptions(
                outShardSize: outShardSize.bytes, strict: global.strict, memoryBudget: global.memoryBudget.bytes,
                unsafeTruncateEmbeddings: global.unsafeTruncateEmbeddings))
            if !global.quiet { CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe) }
            let interrupt = InterruptFlag()
            interrupt.install()
            if let part {
                try runPart(part.value, of: plan, interrupt: interrupt)
                return
            }
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

    private func runPart(_ part: MergePart, of plan: MergePlan, interrupt: InterruptFlag) throws {
        let runner = PartRunner(
            plan: plan, part: part, output: OutputDirectory(path: outputPath), force: force, threads: global.workerCount,
            resume: resume, interrupt: interrupt)
        try runner.checkOutput()
        let shards = runner.shardIndices
        if shards.isEmpty, !global.quiet {
            CommandFailure.printWarning("part \(part) has no shard to compute: the output has \(plan.layout.shards.count) shard\(plan.layout.shards.count == 1 ? "" : "s"), fewer than \(part.count) parts (use at most that many parts, or a smaller --out-shard-size)")
        }
        let jobs = runner.jobs
        let progress = ProgressReporter.isTerminal && !global.quiet
            ? ProgressReporter(totalTensors: jobs.count, totalBytes: jobs.reduce(0) { $0 + $1.outputBytes }) : nil
        let outcome: PartRunner.Outcome
        do {
            outcome = try runner.run(progress: progress)
            progress?.close()
        } catch {
            progress?.close()
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

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
