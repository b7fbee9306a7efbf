import Foundation
import MergeKit

/// How a program embeds the engine: `import MergeKit`, plan a recipe (headers only, every problem
/// collected), show the problems the way the command line does, then run the plan into an output
/// directory. `mergekit-embedding-example RECIPE OUTPUT` prints one line per step; text from
/// files is escaped before it reaches the terminal, as the command line does.
@main
struct EmbeddingExample {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.count == 2, let recipePath = arguments.first, let outputPath = arguments.last else {
            printToStandardError("usage: mergekit-embedding-example RECIPE OUTPUT")
            exit(64)
        }
        do {
            let plan = try Planner.plan(recipeAt: recipePath)
            report(plan.warnings, recipePath: recipePath)
            print("planned \(plan.method.name): \(plan.jobs.count) tensors, \(plan.outputLayerCount) layers, \(plan.bytesWritten) bytes")
            let runner = MergeRunner(
                plan: plan, output: OutputDirectory(path: outputPath), force: false,
                threads: ProcessInfo.processInfo.activeProcessorCount)
            try runner.run(progress: nil)
            print("wrote \(TerminalText.escaped(outputPath))")
        } catch let error as RecipeError {
            report(error.diagnostics, recipePath: recipePath)
            exit(65)
        } catch {
            printToStandardError("error: " + TerminalText.escaped("\(error)"))
            exit(1)
        }
    }

    /// Diagnostics rendered compiler-style, with the recipe line and a caret.
    static func report(_ diagnostics: [Diagnostic], recipePath: String) {
        guard !diagnostics.isEmpty else { return }
        let source = RecipeFile.text(recipePath).map { [recipePath: $0] } ?? [:]
        printToStandardError(DiagnosticRenderer(sources: source).render(diagnostics))
    }

    static func printToStandardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
