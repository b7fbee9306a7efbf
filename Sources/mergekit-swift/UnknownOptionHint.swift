import ArgumentParser
import MergeKitRecipe

/// A "did you mean" for an unknown option that argument-parser leaves without one: it suggests
/// only names within 3 edits, so `--shard-size` (for `--out-shard-size`) or `--seed` (for
/// `--random-seed`) got none. Here a typo (a third of the name's letters) or a name that is
/// part of a known one, or holds one, finds it. Known names are read from the command's own
/// help, hidden options included, so the list cannot drift from the flags.
enum UnknownOptionHint {
    /// The message of `error` with a suggestion added, or nil when it is not an unknown option
    /// without one (then argument-parser's own message stands).
    static func message(for error: any Error, root: any ParsableCommand.Type, arguments: [String]) -> String? {
        let full = root.fullMessage(for: error)
        let prefix = "Error: Unknown option '--"
        guard let firstLine = full.split(separator: "\n", omittingEmptySubsequences: false).first,
              firstLine.hasPrefix(prefix), firstLine.hasSuffix("'") else { return nil }
        let unknown = String(firstLine.dropFirst(prefix.count - 2).dropLast())
        let help = root.helpMessage(for: command(named: arguments, in: root), includeHidden: true, columns: 10_000)
        guard let known = suggestion(for: unknown, among: longOptions(in: help)) else { return nil }
        return "\(firstLine). Did you mean '\(known)'?" + full.dropFirst(firstLine.count)
    }

    /// The subcommand the arguments name (the first argument, when it is one), else the root.
    static func command(named arguments: [String], in root: any ParsableCommand.Type) -> any ParsableCommand.Type {
        guard let first = arguments.first else { return root }
        return root.configuration.subcommands.first { $0._commandName == first } ?? root
    }

    /// Every `--name` the help text shows.
    static func longOptions(in help: String) -> [String] {
        var names: [String] = []
        var current = ""
        for character in help + " " {
            if character.isLetter || character.isNumber || character == "-" {
                current.append(character)
                continue
            }
            if current.hasPrefix("--"), current.count > 2, current.dropFirst(2).first?.isLetter == true, !names.contains(current) {
                names.append(current)
            }
            current = ""
        }
        return names
    }

    /// A likely typo first (closest by edit distance), else the shortest known name that holds
    /// the unknown one or is held by it (`--shard-size` → `--out-shard-size`).
    static func suggestion(for unknown: String, among known: [String]) -> String? {
        let bare = { (name: String) in String(name.drop { $0 == "-" }) }
        let word = bare(unknown)
        guard word.count >= 3 else { return nil }
        if let typo = closestMatch(to: word, among: known.map(bare)) { return "--" + typo }
        let related = known.filter { name in
            let candidate = bare(name)
            return !candidate.hasPrefix("no-") && (candidate.contains(word) || (candidate.count >= 4 && word.contains(candidate)))
        }
        return related.min { $0.count < $1.count }
    }
}
