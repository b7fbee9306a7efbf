import ArgumentParser
import Foundation
import MergeKitEngine

/// Options every command that reads a recipe shares. mergekit-yaml's spellings are accepted
/// where they mean the same thing (`-j/--num-threads`, `--no-quiet`, `--allow-crimes`, ...).
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Treat every warning (unknown keys, ignored parameters, duplicate keys) as an error.")
    var strict = false

    @Flag(name: .long, inversion: .prefixedNo, help: ArgumentHelp(
        "Crop embeddings and lm_head of different vocabulary sizes to the rows every model has, with a warning.",
        discussion: "Unsafe: the dropped rows' tokens lose their embeddings, and rows are matched by id, not by token."))
    var unsafeTruncateEmbeddings = false

    @Flag(name: .long, inversion: .prefixedNo, help: "Merge models whose config.json names different architectures or model types (mergekit's name for it).")
    var allowCrimes = false

    @Option(name: .long, help: "Seed of the random methods (DARE, DELLA) when the recipe has no seed: (the recipe's wins, with a warning).")
    var randomSeed: UInt64?

    @Flag(name: .shortAndLong, inversion: .prefixedNo, help: "Print nothing but errors (no progress, notes or summary).")
    var quiet = false

    @Flag(name: .short, help: "Verbose: a line per finished tensor.")
    var verbose: Int

    @Option(name: [.customLong("threads"), .customLong("num-threads"), .customShort("j")], help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Memory for the workers' buffers, in bytes (e.g. 256MiB, 1GB); sizes the streaming chunks, never changes the output.")
    var memoryBudget = ByteCount(bytes: PlanOptions.defaultMemoryBudget)

    var workerCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The plan options these flags set (the shard size is the command's own).
    func planOptions(outShardSize: Int = PlanOptions.defaultOutShardSize) -> PlanOptions {
        PlanOptions(
            outShardSize: outShardSize, strict: strict, memoryBudget: memoryBudget.bytes,
            unsafeTruncateEmbeddings: unsafeTruncateEmbeddings, randomSeed: randomSeed, allowCrimes: allowCrimes)
    }
}
