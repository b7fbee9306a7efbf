import ArgumentParser
import Foundation
import MergeKitEngine

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe and write the merged model.",
        discussion: """
            The output is built in <out>.partial/ and renamed to <out> only when complete. \
            Without -o it goes to merged/<recipe name>.
            """)

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Option(name: .shortAndLong, help: "Output directory (default: merged/<recipe name>).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing output directory.")
    var force = false

    @Option(name: .long, help: "Largest output shard, in bytes (e.g. 5GB, 200K, 512MiB).")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @OptionGroup var global: GlobalOptions

    var outputPath: String {
        output ?? "merged/" + ((recipe as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    func run() throws {
        do {
            let plan = try Planner.plan(recipeAt: recipe, options: PlanOptions(outShardSize: outShardSize.bytes, strict: global.strict))
            if !global.quiet { CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe) }
            let runner = MergeRunner(plan: plan, output: OutputDirectory(path: outputPath), force: force, threads: global.workerCount)
            try runner.checkOutput()
            let progress = ProgressReporter.isTerminal && !global.quiet
                ? ProgressReporter(totalTensors: plan.jobs.count, totalBytes: plan.layout.totalDataBytes) : nil
            let timings = try runner.run(progress: progress)
            progress?.close()
            if !global.quiet {
                let shards = plan.layout.shards.count
                print("wrote \(runner.output.path): \(plan.jobs.count) tensors, \(plan.outputLayerCount) layers, \(shards) shard\(shards == 1 ? "" : "s"), \(ByteFormatting.format(plan.bytesWritten)) in \(Self.seconds(timings.total)) (sync \(Self.seconds(timings.sync)))")
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
