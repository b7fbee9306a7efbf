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
                let vocabulary = plan.vocabulary.map { ", vocabulary \($0.plan.tokenCount) tokens" } ?? ""
                let tokenizer = plan.tokenizer.warning.map { "; warning: " + $0 } ?? ""
                print(TerminalText.escaped("wrote \(runner.output.path): \(plan.jobs.count) tensors, \(plan.outputLayerCount) layers\(vocabulary), \(shards) shard\(shards == 1 ? "" : "s"), \(ByteFormatting.format(plan.bytesWritten)) in \(Self.seconds(timings.total)) (sync \(Self.seconds(timings.sync)))\(resumed)\(tokenizer)"))
            }
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
