/// `--include-regex` / `--exclude-regex`: patterns searched anywhere in a module name, like
/// Python's `re.search` (Swift's regex syntax, which agrees with Python's on the constructs
/// module filters use: classes, groups, alternation, anchors, escapes).
struct ModulePatterns {
    private let expressions: [Regex<AnyRegexOutput>]
    let isEmpty: Bool

    /// Compiles `patterns`; a pattern that does not compile is reported under `flag`.
    init(_ patterns: [String], flag: String, problems: inout [String]) {
        var compiled: [Regex<AnyRegexOutput>] = []
        for pattern in patterns {
            do {
                compiled.append(try Regex(pattern))
            } catch {
                problems.append("\(flag) '\(pattern)' is not a valid regular expression: \(error)")
            }
        }
        expressions = compiled
        isEmpty = patterns.isEmpty
    }

    func matches(_ name: String) -> Bool {
        expressions.contains { name.contains($0) }
    }
}
