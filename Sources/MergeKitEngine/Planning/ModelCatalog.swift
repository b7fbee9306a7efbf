import Foundation
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitYAML

/// Every model a recipe names, opened once (headers only) and referred to by index. `moe` opens
/// the models of its configuration through it too, so paths resolve the same way in both.
package final class ModelCatalog {
    package private(set) var models: [ModelDirectory] = []
    /// The model path as the recipe wrote it, per model index (the first spelling seen).
    private(set) var writtenNames: [String] = []
    /// Where the recipe first names each model, per model index.
    private(set) var writtenLocations: [SourceLocation] = []
    private var indexByPath: [String: Int] = [:]
    private var failedPaths: Set<String> = []
    /// Paths already warned about as ambiguous, so each is reported once.
    private var warnedAmbiguous: Set<String> = []
    private let recipeDirectory: String

    package init(recipeFile: String) {
        recipeDirectory = Self.absolute((recipeFile as NSString).deletingLastPathComponent)
    }

    /// `path` made absolute against the current directory, with `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : ModelDirectory.join(FileManager.default.currentDirectoryPath, path)
        return (joined as NSString).standardizingPath
    }

    /// Opens (or finds) the model `written`, reporting problems at its recipe position.
    /// A model that failed once is reported only once.
    func open(_ written: Located<String>, into sink: inout DiagnosticSink) -> Int? {
        open(written) { sink.add($0) }
    }

    /// Opens (or finds) the model `written`, passing each problem to `report` at its recipe
    /// position: errors, and the warning for a relative path found in two places. A model that
    /// failed once is reported only once.
    package func open(_ written: Located<String>, report: (Diagnostic) -> Void) -> Int? {
        guard let path = resolve(written, report: report) else { return nil }
        if let index = indexByPath[path] { return index }
        if failedPaths.contains(path) { return nil }
        do {
            let model = try ModelDirectory(path: path)
            models.append(model)
            writtenNames.append(written.value)
            writtenLocations.append(written.location)
            indexByPath[path] = models.count - 1
            return models.count - 1
        } catch {
            failedPaths.insert(path)
            report(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
            return nil
        }
    }

    /// The index of a model already opened under any spelling that resolves to the same
    /// directory (`tokens:` and `tokenizer_source` name models the way `models:` does); nil
    /// when it is not one of them. Reports nothing.
    func index(of written: String) -> Int? {
        candidates(for: written).first(where: { FileManager.default.fileExists(atPath: $0) }).flatMap { indexByPath[$0] }
    }

    /// The directory `written` names (as `open` resolves it), reporting it when it does not
    /// exist; for a directory that is read but not opened as a model (a tokenizer source).
    func directory(of written: Located<String>, into sink: inout DiagnosticSink) -> String? {
        resolve(written) { sink.add($0) }
    }

    /// Where a model path may be: relative paths resolve against the recipe's folder first, then
    /// the current directory (mergekit's convention).
    private func candidates(for path: String) -> [String] {
        var candidates = [path.hasPrefix("/") ? Self.absolute(path) : Self.absolute(ModelDirectory.join(recipeDirectory, path))]
        if !path.hasPrefix("/"), Self.absolute(path) != candidates[0] { candidates.append(Self.absolute(path)) }
        return candidates
    }

    /// The model's directory (see `candidates`), or nil after reporting why there is none.
    /// mergekit knows only the current directory: when both places hold different things, the
    /// warning says which was used, since mergekit would use the other.
    private func resolve(_ written: Located<String>, report: (Diagnostic) -> Void) -> String? {
        let path = written.value
        if path.contains("+") && !FileManager.default.fileExists(atPath: path) {
            report(.error(
                "model '\(path)': LoRA adapters (model+adapter) are not supported yet", at: written.location))
            return nil
        }
        let candidates = candidates(for: path)
        let existing = candidates.filter { FileManager.default.fileExists(atPath: $0) }
        if let found = existing.first {
            if existing.count == 2, FileSystem.resolved(existing[0]) != FileSystem.resolved(existing[1]), warnedAmbiguous.insert(path).inserted {
                report(.warning(
                    "model '\(path)' exists beside the recipe ('\(existing[0])') and in the current directory ('\(existing[1])'); "
                        + "using the one beside the recipe (mergekit would use the one in the current directory)",
                    at: written.location))
            }
            return found
        }
        let places = candidates.map { "'\($0)'" }.joined(separator: " and ")
        report(.error(
            "model directory '\(path)' does not exist (looked in \(places)); model paths are local directories",
            at: written.location))
        return nil
    }
}
