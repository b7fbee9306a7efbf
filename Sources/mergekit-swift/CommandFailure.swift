import ArgumentParser
import Foundation
import MergeKitEngine
import MergeKitRecipe
import MergeKitSafetensors

/// The one place errors become text on stderr and an exit code:
/// 65 (EX_DATAERR) for a rejected recipe or checkpoint, 64 for a refused output path, 1 for I/O.
/// Every error and warning line goes out through `printError` / `printWarning` (or the
/// diagnostic renderer), which escape control characters: messages quote tensor names and paths
/// taken from files, and those must not drive the terminal.
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
        case let error as MergeInterrupted:
            printError(error.description)
            return ExitCode(128 + error.signal)
        case let error as OutputError:
            printError(error.message)
            return ExitCode(error.kind == .refused ? usageError : 1)
        case let error as SafetensorsError:
            if case .writeFailed = error.kind {
                printError(error.description + "; the finished tensors are kept in the output's .partial directory: free space if needed and run the same command with --resume")
                return ExitCode(1)
            }
            printError(error.description)
            return ExitCode(dataError)
        case let error as NonFiniteInputError:
            printError(error.description)
            return ExitCode(dataError)
        case let error as CheckpointError:
            printError(error.description)
            return ExitCode(dataError)
        default:
            printError("\(error)")
            return ExitCode(1)
        }
    }

    static func printDiagnostics(_ diagnostics: [Diagnostic], recipePath: String) {
        guard !diagnostics.isEmpty else { return }
        let text = FileManager.default.contents(atPath: recipePath).flatMap { String(data: $0, encoding: .utf8) }
        let renderer = DiagnosticRenderer(sources: text.map { [recipePath: $0] } ?? [:])
        FileHandle.standardError.write(Data((renderer.render(diagnostics) + "\n").utf8))
    }

    static func printWarning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(TerminalText.escaped(message))\n".utf8))
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(TerminalText.escaped(message))\n".utf8))
    }
}
