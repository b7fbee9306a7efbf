import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitHub
import MergeKitRecipe

struct Lock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pin a recipe's inputs: write RECIPE.lock, to review in git and apply with `apply --locked`.",
        discussion: """
            For each model the recipe names, the lock file records the files the merge reads \
            (config.json, the index, the shards it reads, the tokenizer files of the tokenizer \
            model) with their sizes and sha256s: for a Hub model also the commit its revision \
            resolved to (the hashes come from the Hub's listing, so no weights are downloaded), for \
            a local folder its path (and the sha256s only with --hash-local, which reads every file). \
            The lock file is YAML, or JSON when its name ends in .json.
            """)

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The lock file to write (default: <recipe>.lock).", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Also record the sha256 of local models' files (reads all of them).")
    var hashLocal = false

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubOptions

    func validate() throws {
        if output?.isEmpty == true { throw ValidationError("-o/--output is empty; give the lock file to write") }
    }

    func run() async throws {
        do {
            let loaded = try Planner.load(recipeAt: recipe)
            let hubInputs = try await HubInputs.prepare(loaded, options: hub, quiet: global.quiet)
            let plan = try hubInputs.plan(loaded, options: global.planOptions())
            CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe)
            let lock = RecipeLock(inputs: try await inputs(of: loaded, plan: plan, hubInputs: hubInputs))
            let path = output ?? recipe + ".lock"
            try lock.serialized(as: RecipeLock.Format(path: path)).write(toFile: path, atomically: true, encoding: .utf8)
            if !global.quiet {
                let hubCount = lock.inputs.filter { if case .hub = $0.source { true } else { false } }.count
                let files = lock.inputs.reduce(0) { $0 + $1.files.count }
                print("wrote \(TerminalText.escaped(path)): \(lock.inputs.count) model\(lock.inputs.count == 1 ? "" : "s") (\(hubCount) from the Hub, \(lock.inputs.count - hubCount) local), \(files) files")
            }
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }

    /// One entry per model reference as the recipe writes it, in recipe order (a stage of a
    /// multi-stage recipe is not an input: its models are).
    private func inputs(of recipe: LoadedRecipe, plan: MergePlan, hubInputs: HubInputs) async throws -> [RecipeLock.Input] {
        let locator = ModelLocator(recipeFile: recipe.file)
        let needs = hubInputs.needs(of: plan)
        var seen = Set<String>()
        var inputs: [RecipeLock.Input] = []
        for written in recipe.modelReferences where seen.insert(written.value).inserted {
            let location = try locator.locate(written.value)
            guard location.adapter == nil else { throw LockedInputs.adaptersNotLocked(written) }
            switch location.model {
            case .hub(let reference):
                guard let store = hubInputs.store, let input = hubInputs.inputs[reference],
                      let need = needs.first(where: { $0.input.folder == input.folder }) else { continue }
                inputs.append(try await store.lock(reference: written.value, model: input.model, files: need.files))
            case .localDirectory(let path):
                guard let files = plan.filesRead(fromModelAt: path) else { continue }
                inputs.append(try RecipeLockVerifier.lockLocal(reference: written.value, directory: path, files: files, hashing: hashLocal))
            }
        }
        return inputs
    }
}
