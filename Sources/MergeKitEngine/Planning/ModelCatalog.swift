import Foundation
import MergeKitRecipe
import MergeKitYAML

/// Every model a recipe names, opened once (headers only) and referred to by index. `moe` opens
/// the models of its configuration through it too, so references resolve the same way in both.
package final class ModelCatalog {
    package private(set) var models: [ModelDirectory] = []
    /// The model reference as the recipe wrote it, per model index (the first spelling seen).
    private(set) var writtenNames: [String] = []
    /// Where the recipe first names each model, per model index.
    private(set) var writtenLocations: [SourceLocation] = []
    private var indexByKey: [String: Int] = [:]
    private var failedKeys: Set<String> = []
    /// Paths already warned about as ambiguous, so each is reported once.
    private var warnedAmbiguous: Set<String> = []
    private let recipeDirectory: String

    package init(recipeFile: String) {
        recipeDirectory = ModelLocation.absolute((recipeFile as NSString).deletingLastPathComponent)
    }

    /// Opens (or finds) the model `written`, reporting problems at its recipe position.
    /// A model that failed once is reported only once.
    func open(_ written: Located<String>, into sink: inout DiagnosticSink) -> Int? {
        open(written) { sink.add($0) }
    }

    /// Opens (or finds) the model `written` (a directory, or `model+adapter`: see
    /// `ModelLocation`), passing each problem to `report` at its recipe position: errors, and
    /// the warning for a relative path found in two places. A model that failed once is
    /// reported only once.
    package func open(_ written: Located<String>, report: (Diagnostic) -> Void) -> Int? {
        guard let location = locate(written, report: report) else { return nil }
        if let index = indexByKey[location.key] { return index }
        if failedKeys.contains(location.key) { return nil }
        do {
            let model = try ModelDirectory(path: location.model, adapter: location.adapter)
            models.append(model)
            writtenNames.append(written.value)
            writtenLocations.append(written.location)
            indexByKey[location.key] = models.count - 1
            return models.count - 1
        } catch {
            failedKeys.insert(location.key)
            report(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
            return nil
        }
    }

    /// The index of a model already opened under any spelling that resolves to the same
    /// directory (and adapter) (`tokens:` and `tokenizer_source` name models the way `models:`
    /// does); nil when it is not one of them. Reports nothing.
    func index(of written: String) -> Int? {
        guard case .success(let location) = ModelLocation.locate(written, in: folders) else { return nil }
        return indexByKey[location.key]
    }

    /// The directory `written` names (as `open` resolves it; the model's for `model+adapter`,
    /// whose tokenizer is the model's), reporting it when it does not exist; for a directory that
    /// is read but not opened as a model (a tokenizer source).
    func directory(of written: Located<String>, into sink: inout DiagnosticSink) -> String? {
        locate(written) { sink.add($0) }?.model
    }

    /// Relative paths resolve against the recipe's folder first, then the current directory
    /// (mergekit's convention).
    private var folders: [String] { [recipeDirectory, FileManager.default.currentDirectoryPath] }

    /// Where `written` points, or nil after reporting why it points nowhere. mergekit looks in
    /// the current directory only: when a relative path exists in both places as different
    /// things, the warning says which was used.
    private func locate(_ written: Located<String>, report: (Diagnostic) -> Void) -> ModelLocation? {
        let location: ModelLocation
        switch ModelLocation.locate(written.value, in: folders) {
        case .success(let found): location = found
        case .failure(let error):
            report(.error(error.description, at: written.location))
            return nil
        }
        for ambiguity in location.ambiguities where warnedAmbiguous.insert(ambiguity.written).inserted {
            report(.warning(
                "\(ambiguity.isAdapter ? "LoRA adapter" : "model") '\(ambiguity.written)' exists beside the recipe ('\(ambiguity.used)') "
                    + "and in the current directory ('\(ambiguity.other)'); "
                    + "using the one beside the recipe (mergekit would use the one in the current directory)",
                at: written.location))
        }
        return location
    }
}
