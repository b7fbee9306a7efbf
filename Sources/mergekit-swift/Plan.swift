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

    @Option(name: .long, help: "Largest output shard, in bytes: 5B = 5×10⁹ as in mergekit (K, M, B, G, T and KB…TB are powers of 1000; KiB…TiB of 1024).")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        do {
            let plan = try Planner.plan(recipeAt: recipe, options: global.planOptions(outShardSize: outShardSize.bytes))
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
