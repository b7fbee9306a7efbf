import ArgumentParser

struct MergeKitSwift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergekit-swift",
        abstract: "Merge fine-tuned language models from YAML recipes (mergekit's recipe language).",
        version: MergeKitVersion.current,
        subcommands: [Apply.self, Finalize.self, Plan.self, Validate.self, Lock.self, Inspect.self, Methods.self, ExtractLoRA.self, MoE.self]
    )
}
