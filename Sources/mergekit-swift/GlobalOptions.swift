import ArgumentParser
import Foundation

/// Options every command that reads a recipe shares.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Treat every warning (unknown keys, ignored parameters, duplicate keys) as an error.")
    var strict = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    var workerCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}
