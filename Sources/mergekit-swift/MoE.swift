import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitMoE
import MergeKitRecipe

struct MoE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moe",
        abstract: "Build a mixture-of-experts model (Mixtral, Qwen MoE, Qwen3 MoE) from a mergekit-moe configuration.",
        discussion: """
            Reads mergekit-moe's YAML unchanged. Attention, norms and embeddings come from base_model, \
            each expert's MLP from its source_model; the routers from gate_mode (hidden, cheap_embed, \
            random, uniform_random). Everything is checked before any weight is read; the output is \
            built in <out>.partial/ and renamed when complete, and an interrupted build continues \
            with --resume.
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

    var destination: String? { output ?? outPath }

    func validate() throws {
        if output != nil, outPath != nil { throw ValidationError("give the output directory once: as OUT_PATH or with -o") }
        if destination == nil { throw ValidationError("missing the output directory: moe CONFIG OUT_PATH (or -o OUT)") }
    }

    func run() throws {
        do {
            let plan = try MoEPlanner.plan(configAt: config, options: MoEPlanOptions(
                outShardSize: outShardSize.bytes, seed: randomSeed, allowIdenticalExperts: allowIdenticalExperts, strict: strict))
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
}
