import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitRecipe

struct Finalize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a merge computed in parts (apply --part I/K) once every part is done.",
        discussion: """
            Checks that <out>.partial/ holds the manifests of all K parts, made for this recipe and \
            its inputs, and that every shard still matches the checksums its part recorded; then \
            writes the index, config, tokenizer, model card and recipe, syncs, and renames it to \
            <out>. When a part is missing, was made for another plan, or is damaged, it names the \
            part and publishes nothing (exit 1). Give it the recipe, -o and the options the parts \
            had that shape the plan (--out-shard-size, --random-seed, --unsafe-truncate-embeddings).
            """)

    @Argument(help: "The recipe file (YAML) the parts ran.")
    var recipe: String

    @Option(name: .shortAndLong, help: "Output directory (default: merged/<recipe name>).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing output directory (a previous merge output or an empty directory).")
    var force = false

    @Option(name: .long, help: "Largest output shard, in bytes: the value the parts had.")
    var outShardSize = ByteCount(bytes: PlanOptions.defaultOutShardSize)

    @Flag(name: .long, inversion: .prefixedNo, help: "Copy the tokenizer files of the tokenizer source (the base, else the first model).")
    var copyTokenizer = true

    @Flag(name: .long, inversion: .prefixedNo, help: "Write README.md, a model card for the Hugging Face Hub.")
    var writeModelCard = true

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hub: HubOptions

    func validate() throws {
        if output?.isEmpty == true {
            throw ValidationError("-o/--output is empty; give the directory the parts wrote")
        }
    }

    /// The plan the parts ran. Models named by Hub id are planned from the files the parts read
    /// (in a Hugging Face cache they share): a file the cache lacks is downloaded first, so the
    /// plan names the same files, sizes and times as the parts' fingerprints.
    private func preparedPlan() async throws -> MergePlan {
        let loaded = try Planner.load(recipeAt: recipe)
        let hubInputs = try await HubInputs.prepare(loaded, options: hub, quiet: global.quiet)
        let options = global.planOptions(outShardSize: outShardSize.bytes)
        let plan = try hubInputs.plan(loaded, options: options)
        let needs = hubInputs.needs(of: plan, copiesTokenizer: copyTokenizer)
        guard !needs.isEmpty else { return plan }
        try hubInputs.checkDiskSpace(for: needs, outputPath: outputPath, outputBytes: 0, quiet: global.quiet)
        try await hubInputs.download(needs)
        return try hubInputs.plan(loaded, options: options)
    }

    var outputPath: String {
        output ?? "merged/" + ((recipe as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    func run() async throws {
        do {
            let plan = try await preparedPlan()
            if !global.quiet { CommandFailure.printDiagnostics(plan.warnings, recipePath: recipe) }
            var finalizer = PartFinalizer(plan: plan, output: OutputDirectory(path: outputPath), force: force, threads: global.workerCount)
            finalizer.copiesTokenizer = copyTokenizer
            finalizer.writesModelCard = writeModelCard
            let outcome = try finalizer.run()
            if !global.quiet {
                let shards = plan.layout.shards.count
                let vocabulary = plan.vocabulary.map { ", vocabulary \($0.plan.tokenCount) tokens" } ?? ""
                let tokenizer = finalizer.tokenizerWarning.map { "; warning: " + $0 } ?? ""
                print(TerminalText.escaped("wrote \(finalizer.output.path) from \(outcome.parts) part\(outcome.parts == 1 ? "" : "s"): \(plan.jobs.count) tensors, \(plan.outputLayerCount) layers\(vocabulary), \(shards) shard\(shards == 1 ? "" : "s"), \(ByteFormatting.format(plan.bytesWritten)) in \(Apply.seconds(outcome.total)) (sync \(Apply.seconds(outcome.sync)))\(tokenizer)"))
            }
        } catch {
            throw CommandFailure.report(error, recipePath: recipe)
        }
    }
}
