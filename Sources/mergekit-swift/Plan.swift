import ArgumentParser
import MergeKitEngine
import MergeKitRecipe

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the merge plan: per layer the tensors, inputs and resolved parameters; shards and totals.")

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    @Option(name: .long, help: "Largest output shard, in bytes (e.g. 5GB, 200K, 512MiB).")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        do {
            let plan = try Planner.plan(recipeAt: recipe, options: PlanOptions(
                outShardSize: outShardSize.bytes, strict: global.strict, memoryBudget: global.memoryBudget.bytes,
                unsafeTruncateEmbeddings: global.unsafeTruncateEmbeddings))
            CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe)
            let report = PlanReport(plan: plan, workers: global.workerCount)
            print(json ? report.json.serialized(pretty: true) : TerminalText.escapedLines(report.text))
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }
}

extension ByteCount {
    init(bytes: Int) {
        self.bytes = bytes
    }
}
