import ArgumentParser
import MergeKitEngine
import MergeKitRecipe

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a recipe and every input header without computing anything.",
        discussion: """
            Models named by Hub id (org/name[@revision]) are read from their headers only: \
            config.json, the shard index and each safetensors header, never the weights.
            """)

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubOptions

    func run() async throws {
        do {
            let loaded = try Planner.load(recipeAt: recipe)
            let hubInputs = try await HubInputs.prepare(loaded, options: hub, quiet: global.quiet)
            let plan = try hubInputs.plan(loaded, options: global.planOptions())
            CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe)
            if !global.quiet {
                if let summary = hubInputs.headerSummary { CommandFailure.printNote(summary) }
                let vocabulary = plan.vocabulary.map { ", vocabulary \($0.plan.tokenCount) tokens in \($0.plan.rowCount) rows" } ?? ""
                let tokenizer = plan.tokenizer.warning.map { "; warning: " + $0 } ?? ""
                let stages = plan.stages.isEmpty ? "" : ", \(plan.stages.count) stage\(plan.stages.count == 1 ? "" : "s") ("
                    + plan.stages.map { "\($0.name.value): \($0.plan.method.name)" }.joined(separator: ", ") + ")"
                print(TerminalText.escaped("\(recipe): ok — \(plan.method.name)\(stages), \(plan.models.count) model\(plan.models.count == 1 ? "" : "s"), \(plan.jobs.count) output tensors, \(plan.outputLayerCount) layers\(vocabulary)\(tokenizer)"))
                // Models read from something other than safetensors say from what.
                for (model, name) in zip(plan.models, plan.modelNames) where !model.isPlainSafetensors {
                    print(TerminalText.escaped("  model '\(name)': \(model.sourceDescription)"))
                }
            }
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }
}
