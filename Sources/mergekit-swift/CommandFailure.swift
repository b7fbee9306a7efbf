import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitHub
import MergeKitRecipe
import MergeKitSafetensors

/// The one place errors become text on stderr and an exit code:
/// 65 (EX_DATAERR) for a rejected recipe or checkpoint, 64 for a refused output path, 1 for I/O
/// (and for a run that stopped after it started writing), 128 + signal when interrupted.
/// An error with causes (`ChainedError`) is rendered once, here, as one line: its summary, then
/// each cause, nearest first. Every error and warning line goes out through `printError` /
/// `printWarning` (or the diagnostic renderer), which escape control characters: messages quote
/// tensor names and paths taken from files, and those must not drive the terminal.
enum CommandFailure {
    static let dataError: Int32 = 65
    static let usageError: Int32 = 64

    static func report(_ error: any Error, recipePath: String) -> ExitCode {
        switch error {
        case let error as RecipeError:
            printDiagnostics(error.diagnostics, recipePath: recipePath)
            let count = error.diagnostics.filter { $0.severity == .error }.count
            printError("\(count) error\(count == 1 ? "" : "s"); nothing was written")
            return ExitCode(dataError)
        case let error as InputFailure:
            printDiagnostics(error.diagnostics, recipePath: recipePath)
            let count = error.diagnostics.filter { $0.severity == .error }.count
            printError("\(count) error\(count == 1 ? "" : "s"); nothing was written")
            return ExitCode(error.exitCode)
        case let error as MergeInterrupted:
            printError(error.description)
            return ExitCode(128 + error.signal)
        case let error as PartsNotReady:
            for problem in error.problems { printError(problem.description) }
            printError(error.summary)
            return ExitCode(1)
        case let error as MergeStopped:
            printError(render(error) + "; " + error.recovery)
            return ExitCode(1)
        default:
            printError(render(error))
            return ExitCode(exitCode(for: error))
        }
    }

    /// The error and its causes on one line: each link's own words, nearest cause last.
    static func render(_ error: any Error) -> String {
        guard let chained = error as? any ChainedError else { return String(describing: error) }
        return chained.description
    }

    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let error as OutputError: error.kind == .refused ? usageError : 1
        case let error as SafetensorsError:
            switch error.kind {
            // An input that shrank while it was read (moe's gates read before any output exists).
            case .writeFailed, .changedWhileMapped: 1
            default: dataError
            }
        case is NonFiniteInputError, is CheckpointError, is RecipeLockError: dataError
        case is HubConfigurationError: usageError
        case let error as HubError: InputFailure.exitCode(for: error)
        default: 1
        }
    }

    static func printDiagnostics(_ diagnostics: [Diagnostic], recipePath: String) {
        guard !diagnostics.isEmpty else { return }
        let text = RecipeFile.text(recipePath)
        let renderer = DiagnosticRenderer(sources: text.map { [recipePath: $0] } ?? [:])
        FileHandle.standardError.write(Data((renderer.render(diagnostics) + "\n").utf8))
    }

    static func printWarning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(TerminalText.escaped(message))\n".utf8))
    }

    static func printNote(_ message: String) {
        FileHandle.standardError.write(Data("note: \(TerminalText.escaped(message))\n".utf8))
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(TerminalText.escaped(message))\n".utf8))
    }
}
