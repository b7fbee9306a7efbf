import ArgumentParser
import MergeKitEngine
import MergeKitRecipe

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure fine-tunes' deltas from their base and how much error DARE would add.",
        discussion: """
            Per tensor group (embeddings, attention, MLP, norms, head, other) and overall: mean and \
            max |δ|, the fraction of |δ| ≤ 0.002 / 0.005 / 0.01, ‖δ‖/‖θ_b‖, and the relative error \
            ‖ΔW·x‖/‖W_ft·x‖ that DARE at drop rates 0.5 / 0.9 / 0.99 adds to W·x for a random probe x \
            (rescaled by 1/(1−p), and dropping alone; masks of seed 0, as a `dare` recipe draws them). \
            The verdict says whether the fine-tune looks DARE-friendly: the DARE paper finds dropping \
            safe while deltas stay below ~0.01.
            """)

    @Option(name: .long, help: "The base model directory (or MODEL+ADAPTER: a LoRA adapter applied to it).")
    var base: String

    @Argument(help: "Fine-tuned model directories (safetensors or pytorch_model.bin), or MODEL+ADAPTER for a LoRA adapter.")
    var models: [String]

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if models.isEmpty { throw ValidationError("give at least one fine-tuned model after --base BASE") }
    }

    func run() throws {
        do {
            let inspector = DeltaInspector(base: try ModelDirectory.open(reference: base))
            var reports: [DeltaReport] = []
            for reference in models {
                reports.append(inspector.inspect(try ModelDirectory.open(reference: reference), name: reference))
            }
            let renderer = DeltaReportRenderer(basePath: base, reports: reports)
            print(json ? renderer.json.serialized(pretty: true) : TerminalText.escapedLines(renderer.text))
        } catch {
            throw CommandFailure.report(error, recipePath: base)
        }
    }
}
