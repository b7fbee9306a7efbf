import ArgumentParser
import Foundation

/// Starts the command the binary was invoked as: `mergekit-yaml` (a link to this binary, as
/// mergekit users type it) is `apply`, `mergekit-multi` is `apply --keep-intermediates`
/// (`MergekitMulti`); any other name is `mergekit-swift` and its subcommands.
/// Parsing is argument-parser's, with a better "did you mean" for unknown options
/// (`UnknownOptionHint`).
@main
enum EntryPoint {
    static let mergekitYAMLName = "mergekit-yaml"
    static let mergekitMultiName = "mergekit-multi"

    static func main() async {
        let invokedAs = CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent }
        let root: any ParsableCommand.Type = switch invokedAs {
        case mergekitYAMLName: MergekitYAML.self
        case mergekitMultiName: MergekitMulti.self
        default: MergeKitSwift.self
        }
        await run(root, Array(CommandLine.arguments.dropFirst()))
    }

    /// Commands that fetch models from the Hub are asynchronous (`AsyncParsableCommand`).
    static func run(_ root: any ParsableCommand.Type, _ arguments: [String]) async -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            root.exit()
        } catch {
            if let hinted = UnknownOptionHint.message(for: error, root: root, arguments: arguments) {
                FileHandle.standardError.write(Data((hinted.hasSuffix("\n") ? hinted : hinted + "\n").utf8))
                root.exit(withError: ExitCode(root.exitCode(for: error).rawValue))
            }
            root.exit(withError: error)
        }
    }
}
