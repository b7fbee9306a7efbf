import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitHub
import MergeKitLoRAExtraction
import MergeKitRecipe

struct ExtractLoRA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract-lora",
        abstract: "Extract a PEFT LoRA adapter from a fine-tune: a truncated SVD of each module's delta from the base.",
        discussion: """
            Takes mergekit-extract-lora's flags. Each linear module's ΔW = W_ft − W_base is factored \
            as B·A of rank at most --max-rank (the best such approximation, Eckart–Young); \
            embeddings and lm_head are saved at full rank unless --embed-lora, norms at full rank \
            unless --skip-undecomposable. The adapter (adapter_config.json, \
            adapter_model.safetensors, README.md) is built in <out>.partial/ and renamed when \
            complete, under apply's rules (--force replaces only a previous output, one run per \
            output). Everything is checked from the headers before any weight is read. Models named \
            by Hub id (org/name[@revision], when no such local directory exists) are checked from \
            their headers first; then only the files the extraction reads are downloaded into the \
            Hugging Face cache.
            """)

    @Option(name: .long, help: "The fine-tuned model: a directory or a Hub id (org/name[@revision]).")
    var model: String

    @Option(name: .long, help: "The base model: a directory or a Hub id (written as given into adapter_config.json).")
    var baseModel: String

    @Option(name: [.customShort("o"), .customLong("out-path")], help: "The adapter directory to write.")
    var outPath: String

    @Option(name: .long, help: "The largest rank of a LoRA factor.")
    var maxRank = 128

    @Flag(inversion: .prefixedNo, help: "Split the singular values as √Σ into both factors (else Σ goes into A).")
    var distributeScale = true

    @Flag(inversion: .prefixedNo, help: "Decompose the embeddings and lm_head too, instead of saving them at full rank.")
    var embedLora = false

    @Option(name: .customLong("save-module"), help: "A module to save at full rank (full name or last component); repeatable.")
    var saveModule: [String] = []

    @Option(name: [.customShort("e"), .customLong("exclude-regex")], help: "Leave out modules whose name matches this regular expression; repeatable.")
    var excludeRegex: [String] = []

    @Option(name: [.customShort("i"), .customLong("include-regex")], help: "Only extract modules whose name matches this regular expression; repeatable.")
    var includeRegex: [String] = []

    @Option(name: .long, help: "Drop singular values not above this threshold (0: keep up to --max-rank).")
    var svEpsilon = 0.0

    @Flag(name: .long, help: "Leave out modules that cannot be decomposed (norms) instead of saving them at full rank.")
    var skipUndecomposable = false

    @Flag(name: .long, help: "Replace an existing output directory.")
    var force = false

    @Option(name: .long, help: "Worker threads, each decomposing one module at a time (default: all cores).")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var hub: HubOptions

    func validate() throws {
        if maxRank < 1 { throw ValidationError("--max-rank must be at least 1") }
        if !svEpsilon.isFinite || svEpsilon < 0 { throw ValidationError("--sv-epsilon must be a number ≥ 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        var options = ExtractionOptions(model: model, baseModel: baseModel, outputPath: outPath)
        options.maxRank = maxRank
        options.distributeScale = distributeScale
        options.embedLoRA = embedLora
        options.modulesToSave = saveModule
        options.excludePatterns = excludeRegex
        options.includePatterns = includeRegex
        options.singularValueEpsilon = svEpsilon
        options.skipUndecomposable = skipUndecomposable
        options.force = force
        options.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        var hubInputs: HubInputs?
        do {
            let locator = ModelLocator(recipeDirectory: FileManager.default.currentDirectoryPath)
            let prepared = try await HubInputs.prepare(
                [model, baseModel].filter { Self.hubModel(named: $0, locator: locator) != nil }, locator: locator, readingTokenizers: [],
                options: hub, quiet: quiet)
            hubInputs = prepared
            let plan = try await Self.preparedPlan(options, hubInputs: prepared, locator: locator, quiet: quiet)
            if !quiet {
                for warning in plan.warnings { CommandFailure.printWarning(warning) }
            }
            let interrupt = InterruptFlag()
            interrupt.install()
            let extractor = LoRAExtractor(
                plan: plan, invocation: (["mergekit-swift"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                interrupt: interrupt)
            try extractor.checkOutput()
            var progress: (@Sendable (Int, Int) -> Void)?
            if ProgressReporter.isTerminal && !quiet {
                progress = { done, total in
                    let end = done == total ? "\n" : ""
                    FileHandle.standardError.write(Data("\r\u{1B}[K[\(done)/\(total) modules]\(end)".utf8))
                }
            }
            let summary = try extractor.run(progress: progress)
            if !quiet {
                for module in summary.emptyModules {
                    CommandFailure.printWarning("module '\(module)' has no singular value above --sv-epsilon \(svEpsilon): left out")
                }
                print("wrote \(TerminalText.escaped(summary.output)): \(summary.decomposedModules) LoRA modules (rank ≤ \(summary.maximumRank)), \(summary.savedModules) at full rank, \(ByteFormatting.format(summary.bytesWritten)); worst relative error \(String(format: "%.4f", summary.worstRelativeError))")
            }
        } catch {
            let code = CommandFailure.reportCompanion(error, path: model)
            throw hubInputs?.exitCode(replacing: code) ?? code
        }
    }

    /// The Hub model `reference` names (as `apply` finds models, with the working directory as
    /// the recipe's folder: a local directory wins), if it names one; `model+adapter` is not
    /// taken here (it stays a directory that does not exist).
    private static func hubModel(named reference: String, locator: ModelLocator) -> HubModelReference? {
        guard let location = try? locator.locate(reference), location.adapter == nil, case .hub(let hub) = location.model else { return nil }
        return hub
    }

    /// The plan to run, checked first as `apply` does: both models' headers (a Hub model's read
    /// with range requests), then the output; only then the files the extraction reads from Hub
    /// models are downloaded (refused early when the disk lacks the space), and the plan made
    /// again on the downloaded files.
    private static func preparedPlan(
        _ options: ExtractionOptions, hubInputs: HubInputs, locator: ModelLocator, quiet: Bool
    ) async throws -> ExtractionPlan {
        let hubModels = hubInputs.hubModels
        let open = { (reference: String) throws(CheckpointError) -> ModelDirectory in
            guard let hub = hubModel(named: reference, locator: locator) else { return try ModelDirectory(path: reference) }
            switch hubModels.models[hub] {
            case .success(let found)?: return try found.open(adapter: nil)
            case .failure(let problem)?: throw CheckpointError(file: reference, problem.message)
            case nil: throw CheckpointError(file: reference, "the Hub model was not brought in")
            }
        }
        let plan = try ExtractionPlan.make(options, opening: open)
        let needs = hubInputs.needs(
            appliesAdapter: { _ in false },
            filesRead: { input in
                let fromModel = plan.model.path == input.folder ? plan.filesReadFromModel : []
                let fromBase = plan.base.path == input.folder ? plan.filesReadFromBase : []
                let files = fromModel + fromBase.filter { !fromModel.contains($0) }
                return files.isEmpty ? nil : files
            })
        guard !needs.isEmpty else { return plan }
        // A refused output must not cost a download.
        try LoRAExtractor(plan: plan, invocation: "", interrupt: nil).checkOutput()
        try hubInputs.checkDiskSpace(for: needs, outputPath: options.outputPath, outputBytes: 0, quiet: quiet, reader: "the extraction")
        try await hubInputs.download(needs)
        return try ExtractionPlan.make(options, opening: open)
    }
}
