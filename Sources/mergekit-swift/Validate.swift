import ArgumentParser
import MergeKitEngine
import MergeKitRecipe

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a recipe and every input header without computing anything.")

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        do {
            let plan = try Planner.plan(recipeAt: recipe, options: global.planOptions())
            CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe)
            if !global.quiet {
                let vocabulary = plan.vocabulary.map { ", vocabulary \($0.plan.tokenCount) tokens in \($0.plan.rowCount) rows" } ?? ""
                let tokenizer = plan.tokenizer.warning.map { "; warning: " + $0 } ?? ""
                print(TerminalText.escaped("\(recipe): ok — \(plan.method.name), \(plan.models.count) model\(plan.models.count == 1 ? "" : "s"), \(plan.jobs.count) output tensors, \(plan.outputLayerCount) layers\(vocabulary)\(tokenizer)"))
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
