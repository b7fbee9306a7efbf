import ArgumentParser
import Foundation
import MergeKitEngine

/// `mergekit-multi` command lines (the binary installed or linked under that name):
/// `mergekit-multi CONFIG -I DIR [--out-path OUT] [--lazy/--no-lazy] [merge flags]`. The recipe's
/// stages are merged in one plan as with `apply`; like mergekit-multi, each named stage is also
/// written to DIR/<name> (`--keep-intermediates DIR`), and without --out-path (every document
/// named) the output is the stage no other reads, written to DIR/<its name>.
struct MergekitMulti: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergekit-multi",
        abstract: "Run a multi-stage recipe (mergekit-swift apply --keep-intermediates, under mergekit-multi's name).",
        discussion: """
            --lazy (the default) keeps a stage directory that already holds a model instead of \
            writing it again; --no-lazy replaces it. The output is always computed from the recipe: \
            stages are read from memory, never back from DIR.
            """,
        version: MergeKitVersion.current)

    @Option(name: .long, help: ArgumentHelp("The final merge's output directory (required when a document has no name:).", valueName: "dir"))
    var outPath: String?

    @Option(name: [.customLong("intermediate-dir"), .customShort("I")], help: ArgumentHelp("Where each named stage is written, as DIR/<name>.", valueName: "dir"))
    var intermediateDir: String

    @Flag(name: .long, inversion: .prefixedNo, help: "Keep stage directories that already hold a model (mergekit-multi's default).")
    var lazy = true

    @OptionGroup var arguments: ApplyArguments

    func run() async throws {
        var arguments = arguments
        arguments.keepIntermediates = intermediateDir
        if let outPath {
            arguments.output = outPath
        } else if arguments.output == nil, arguments.outPath == nil {
            let recipe = arguments.recipe
            let output: String?
            do {
                output = try Planner.load(recipeAt: recipe).outputName()
            } catch {
                throw CommandFailure.report(error, recipePath: recipe)
            }
            guard let name = output else {
                throw ValidationError("--out-path is required when the recipe has an unnamed final merge")
            }
            arguments.output = (intermediateDir as NSString).appendingPathComponent(name)
        }
        try await Apply.run(arguments, keepingExistingStages: lazy)
    }
}
