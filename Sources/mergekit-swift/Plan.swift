import ArgumentParser
import MergeKitEngine
import MergeKitRecipe

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the merge plan: per layer the tensors, inputs and resolved parameters; shards and totals.",
        discussion: "Models named by Hub id are read from their headers only, never the weights.")

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    @Option(name: .long, help: "Largest output shard, in bytes: 5B = 5×10⁹ as in mergekit (K, M, B, G, T and KB…TB are powers of 1000; KiB…TiB of 1024).")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubOptions

    func run() async throws {
        do {
            let loaded = try Planner.load(recipeAt: recipe)
            let hubInputs = try await HubInputs.prepare(loaded, options: hub, quiet: global.quiet)
            let plan = try hubInputs.plan(
                loaded, options: global.planOptions(outShardSize: outShardSize.bytes))
            CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe)
            if !global.quiet, let summary = hubInputs.headerSummary { CommandFailure.printNote(summary) }
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
