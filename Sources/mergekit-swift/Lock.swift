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
            The LoRA adapter of model+adapter is pinned the same way (adapter_config.json and its \
            weights). The lock file is YAML, or JSON when its name ends in .json.
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
                let files = lock.inputs.reduce(0) { $0 + $1.files.count + ($1.adapter?.files.count ?? 0) }
                let adapterCount = lock.inputs.filter { $0.adapter != nil }.count
                let adapters = adapterCount == 0 ? "" : ", \(adapterCount) LoRA adapter\(adapterCount == 1 ? "" : "s")"
                print("wrote \(TerminalText.escaped(path)): \(lock.inputs.count) model\(lock.inputs.count == 1 ? "" : "s") (\(hubCount) from the Hub, \(lock.inputs.count - hubCount) local)\(adapters), \(files) files")
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
            var input: RecipeLock.Input
            switch location.model {
            case .hub(let reference):
                guard let store = hubInputs.store, let hubInput = hubInputs.inputs[reference],
                      let need = needs.first(where: { $0.input.folder == hubInput.folder }) else { continue }
                input = try await store.lock(reference: written.value, model: hubInput.model, files: need.files)
            case .localDirectory(let path):
                guard let files = plan.filesRead(fromModelAt: path) else { continue }
                input = try RecipeLockVerifier.lockLocal(reference: written.value, directory: path, files: files, hashing: hashLocal)
            }
            if let adapter = location.adapter {
                guard let pinned = try await lockAdapter(adapter, of: written.value, plan: plan, hubInputs: hubInputs) else { continue }
                input.adapter = pinned
            }
            inputs.append(input)
        }
        return inputs
    }

    /// The lock entry of the LoRA adapter of `model+adapter` (`written`): a Hub adapter's commit
    /// and files (fetched whole before planning), a local adapter's folder and files (hashed
    /// with --hash-local); nil when the plan does not apply it.
    private func lockAdapter(
        _ adapter: ModelSource, of written: String, plan: MergePlan, hubInputs: HubInputs
    ) async throws -> RecipeLock.Input? {
        switch adapter {
        case .hub(let reference):
            guard let store = hubInputs.store, let input = hubInputs.inputs[reference] else { return nil }
            return try await store.lock(reference: written, model: input.model, files: input.fetched)
        case .localDirectory(let path):
            guard let files = LockedInputs.adapterFiles(at: path, readBy: plan) else { return nil }
            return try RecipeLockVerifier.lockLocal(reference: written, directory: path, files: files, hashing: hashLocal)
        }
    }
}
