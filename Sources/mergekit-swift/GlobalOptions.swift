import ArgumentParser
import Foundation
import MergeKitEngine

/// Options every command that reads a recipe shares.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Treat every warning (unknown keys, ignored parameters, duplicate keys) as an error.")
    var strict = false

    @Flag(name: .long, help: ArgumentHelp(
        "Crop embeddings and lm_head of different vocabulary sizes to the rows every model has, with a warning.",
        discussion: "Unsafe: the dropped rows' tokens lose their embeddings, and rows are matched by id, not by token."))
    var unsafeTruncateEmbeddings = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Memory for the workers' buffers, in bytes (e.g. 256MiB, 1GB); sizes the streaming chunks, never changes the output.")
    var memoryBudget = ByteCount(bytes: PlanOptions.defaultMemoryBudget)

    var workerCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}
