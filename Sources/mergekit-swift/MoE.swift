import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitMoE
import MergeKitRecipe

struct MoE: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moe",
        abstract: "Build a mixture-of-experts model (Mixtral, Qwen MoE, Qwen3 MoE) from a mergekit-moe configuration.",
        discussion: """
            Reads mergekit-moe's YAML unchanged. Attention, norms and embeddings come from base_model, \
            each expert's MLP from its source_model; the routers from gate_mode (hidden, cheap_embed, \
            random, uniform_random). Everything is checked before any weight is read; the output is \
            built in <out>.partial/ and renamed when complete, and an interrupted build continues \
            with --resume. Models named by Hub id (org/name[@revision]) are checked from their \
            headers first; then only the files the build reads are downloaded into the Hugging \
            Face cache.
            """)

    @Argument(help: "The mergekit-moe configuration (YAML).")
    var config: String

    @Argument(help: "The output directory (mergekit-moe's OUT_PATH; or use -o).")
    var outPath: String?

    @Option(name: .shortAndLong, help: "The output directory.")
    var output: String?

    @Flag(name: .long, help: "Replace an existing output directory (or an interrupted build's <out>.partial/).")
    var force = false

    @Flag(name: .long, help: "Continue an interrupted build from <out>.partial/: verified tensors are kept.")
    var resume = false

    @Option(name: .long, help: "Largest output shard, in bytes (e.g. 5GB, 200K, 512MiB).")
    var outShardSize = ByteCount(bytes: 5_000_000_000)

    @Option(name: .long, help: "Seed of random gates and expert noise (docs/rng.md).")
    var randomSeed: UInt64 = 0

    @Flag(name: .customLong("i-understand-this-is-not-useful-without-training"),
          help: "Allow every expert to be the same model.")
    var allowIdenticalExperts = false

    @Flag(name: .long, help: "Treat warnings (unknown keys) as errors.")
    var strict = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var hub: HubOptions

    var destination: String? { output ?? outPath }

    func validate() throws {
        if output != nil, outPath != nil { throw ValidationError("give the output directory once: as OUT_PATH or with -o") }
        if destination == nil { throw ValidationError("missing the output directory: moe CONFIG OUT_PATH (or -o OUT)") }
    }

    func run() async throws {
        do {
            let plan = try await preparedPlan()
            if !quiet { CommandFailure.printDiagnostics(plan.warnings, recipePath: config) }
            let interrupt = InterruptFlag()
            interrupt.install()
            let builder = MoEBuilder(plan: plan, output: OutputDirectory(path: destination ?? ""), force: force, resume: resume, interrupt: interrupt)
            try builder.checkOutput()
            var progress: (@Sendable (Int, Int) -> Void)?
            if ProgressReporter.isTerminal && !quiet {
                progress = { done, total in
                    let end = done == total ? "\n" : ""
                    FileHandle.standardError.write(Data("\r\u{1B}[K[\(done)/\(total) tensors]\(end)".utf8))
                }
            }
            let summary = try builder.run(progress: progress)
            if !quiet {
                let resumed = summary.resumedTensors > 0 ? " (resumed: \(summary.resumedTensors) tensors kept)" : ""
                print("wrote \(TerminalText.escaped(summary.output)): \(plan.architecture.rawValue), \(plan.config.experts.count) experts × \(plan.layerCount) layers, gate_mode \(plan.config.gateMode.value.rawValue), \(summary.tensors) tensors, \(ByteFormatting.format(summary.bytes))\(resumed)")
            }
        } catch {
            throw CommandFailure.reportCompanion(error, path: config)
        }
    }

    /// The plan to build, everything checked first as `apply` does: the configuration and every
    /// input header (Hub models from their headers only, the base's tokenizer files fetched with
    /// them: the output takes them, and the prompt gates encode with them), then the output;
    /// only then the files the build reads from Hub models are downloaded (refused early when
    /// the disk lacks the space), and the configuration planned again on the downloaded files.
    private func preparedPlan() async throws -> MoEPlan {
        let loaded = try MoEPlanner.load(configAt: config)
        let options = MoEPlanOptions(outShardSize: outShardSize.bytes, seed: randomSeed, allowIdenticalExperts: allowIdenticalExperts, strict: strict)
        let hubInputs = try await HubInputs.prepare(
            loaded.modelReferences.map(\.value), locator: ModelLocator(recipeFile: config), readingTokenizers: [loaded.baseModel.value],
            options: hub, quiet: quiet)
        let plan = try hubInputs.plan { hubModels throws(RecipeError) in try MoEPlanner.plan(loaded, options: options, hubModels: hubModels) }
        let needs = hubInputs.needs(
            appliesAdapter: { folder in plan.models.contains { $0.adapterPath == folder } },
            filesRead: { input in plan.modelIndex(atPath: input.folder).map { plan.filesRead(fromModel: $0) } })
        guard !needs.isEmpty else { return plan }
        // A refused output must not cost a download.
        try MoEBuilder(plan: plan, output: OutputDirectory(path: destination ?? ""), force: force, resume: resume).checkOutput()
        try hubInputs.checkDiskSpace(
            for: needs, outputPath: destination ?? "", outputBytes: plan.layout.totalDataBytes, quiet: quiet, reader: "the MoE build")
        try await hubInputs.download(needs)
        return try hubInputs.plan { hubModels throws(RecipeError) in try MoEPlanner.plan(loaded, options: options, hubModels: hubModels) }
    }
}
