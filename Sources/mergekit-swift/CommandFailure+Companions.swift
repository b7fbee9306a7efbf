import ArgumentParser
import MergeKitLoRAExtraction
import MergeKitMoE

/// The companion commands' own errors (extract-lora, moe), mapped like the rest: 64 for unusable
/// arguments, 65 for a rejected checkpoint, 1 for I/O, 128 + signal when interrupted.
extension CommandFailure {
    static func reportCompanion(_ error: any Error, path: String) -> ExitCode {
        switch error {
        case let error as ExtractionError:
            for problem in error.problems { printError(problem) }
            let count = error.problems.count
            printError("\(count) error\(count == 1 ? "" : "s"); nothing was written")
            return ExitCode(error.kind == .arguments ? usageError : dataError)
        case let error as ExtractionRunError:
            printError(error.description)
            if case .interrupted(let signal) = error { return ExitCode(128 + signal) }
            return ExitCode(1)
        case let error as MoERunError:
            printError(error.description)
            if case .interrupted(let signal, _, _, _) = error { return ExitCode(128 + signal) }
            return ExitCode(1)
        default:
            return report(error, recipePath: path)
        }
    }
}
