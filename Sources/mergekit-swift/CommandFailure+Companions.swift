import ArgumentParser
import MergeKitLoRAExtraction

/// The companion commands' own errors, mapped like the rest: 64 for unusable arguments (a refused
/// output too), 65 for a rejected checkpoint, 1 for I/O, 128 + signal when interrupted. `moe`
/// stops with the engine's errors (`MergeStopped`, `MergeInterrupted`), handled by `report`.
extension CommandFailure {
    static func reportCompanion(_ error: any Error, path: String) -> ExitCode {
        switch error {
        case let error as ExtractionError:
            for problem in error.problems { printError(problem) }
            let count = error.problems.count
            printError("\(count) error\(count == 1 ? "" : "s"); nothing was written")
            return ExitCode(error.kind == .arguments ? usageError : dataError)
        case let error as ExtractionStopped:
            printError(render(error))
            if let signal = error.signal { return ExitCode(128 + signal) }
            return ExitCode(1)
        default:
            return report(error, recipePath: path)
        }
    }
}
