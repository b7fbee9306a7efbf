import ArgumentParser

/// `apply` under mergekit's name: the binary installed or linked as `mergekit-yaml` runs this,
/// so `mergekit-yaml CONFIG OUT [flags]` command lines and scripts work unchanged.
struct MergekitYAML: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergekit-yaml",
        abstract: "Run a recipe and write the merged model (mergekit-swift apply, under mergekit-yaml's name).",
        version: MergeKitVersion.current)

    @OptionGroup var arguments: ApplyArguments

    func run() async throws {
        try await Apply.run(arguments)
    }
}
