import MergeKitRecipe

/// Collects the diagnostics of one plan. Problems that repeat per tensor carry a
/// `DiagnosticCode`: the first `limit` of a code are kept, then one note says more were left out.
/// `finished(strict:)` gives them as the plan reports them.
struct DiagnosticSink {
    private(set) var diagnostics: [Diagnostic]
    private var counts: [DiagnosticCode: Int] = [:]

    init(_ diagnostics: [Diagnostic] = []) {
        self.diagnostics = diagnostics
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func add(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    /// Adds `diagnostic` unless the same one is already there (a problem several tensors share,
    /// such as a `tokens:` entry that cannot give a row to the embedding nor to the head).
    mutating func addOnce(_ diagnostic: Diagnostic) {
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// Adds `diagnostic` unless `code` already reached its limit.
    mutating func report(_ diagnostic: Diagnostic, code: DiagnosticCode) {
        let count = counts[code, default: 0] + 1
        counts[code] = count
        if count <= code.limit {
            diagnostics.append(diagnostic)
        } else if count == code.limit + 1, code.notesOmissions {
            diagnostics.append(Diagnostic(.note, at: diagnostic.location, "further problems of this kind are not listed"))
        }
    }

    /// Sorted by position; under `--strict` every warning is an error.
    func finished(strict: Bool) -> [Diagnostic] {
        var result = diagnostics
        if strict {
            result = result.map { $0.severity == .warning ? Diagnostic(.error, at: $0.location, $0.message + " [--strict]") : $0 }
        }
        result.sort { $0.location < $1.location }
        return result
    }

    /// The recipe error made of everything collected.
    func failure(strict: Bool) -> RecipeError {
        RecipeError(finished(strict: strict))
    }
}
