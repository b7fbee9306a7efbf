import MergeKitRecipe
import MergeKitYAML

/// Every model a recipe names, opened once (headers only) and referred to by index. What a
/// reference names (a directory, a Hub id, or `model+adapter` of either) is decided by
/// `ModelLocator`; a Hub repository comes from `hubModels`, brought in by the caller before
/// planning. `moe` opens the models of its configuration through it too, so references resolve
/// the same way in both.
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
    private let locator: ModelLocator
    private let hubModels: HubModels

    package init(recipeFile: String, hubModels: HubModels = HubModels()) {
        locator = ModelLocator(recipeFile: recipeFile)
        self.hubModels = hubModels
    }

    /// Opens (or finds) the model `written`, reporting problems at its recipe position.
    /// A model that failed once is reported only once.
    func open(_ written: Located<String>, into sink: inout DiagnosticSink) -> Int? {
        open(written) { sink.add($0) }
    }

    /// Opens (or finds) the model `written` (see `ModelLocator`), passing each problem to
    /// `report` at its recipe position: errors, and the warning for a relative path found in two
    /// places. A model that failed once is reported only once.
    package func open(_ written: Located<String>, report: (Diagnostic) -> Void) -> Int? {
        guard let resolved = resolve(written, report: report) else { return nil }
        if let index = indexByKey[resolved.key] { return index }
        if failedKeys.contains(resolved.key) { return nil }
        do throws(CheckpointError) {
            let model: ModelDirectory
            if let hub = resolved.hub {
                model = try hub.open(adapter: resolved.adapter)
            } else {
                model = try ModelDirectory(path: resolved.model, adapter: resolved.adapter)
            }
            models.append(model)
            writtenNames.append(written.value)
            writtenLocations.append(written.location)
            indexByKey[resolved.key] = models.count - 1
            return models.count - 1
        } catch {
            failedKeys.insert(resolved.key)
            report(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
            return nil
        }
    }

    /// The index of a model already opened under any spelling that resolves to the same
    /// directory (and adapter) (`tokens:` and `tokenizer_source` name models the way `models:`
    /// does); nil when it is not one of them. Reports nothing.
    func index(of written: String) -> Int? {
        let unplaced = Located(written, at: SourceLocation(file: "", line: 0, column: 0))
        return resolve(unplaced, report: { _ in }).flatMap { indexByKey[$0.key] }
    }

    /// The directory `written` names (as `open` resolves it; the model's for `model+adapter`,
    /// whose tokenizer is the model's; a Hub model's snapshot folder in the cache), reporting it
    /// when there is none; for a directory that is read but not opened as a model (a tokenizer
    /// source).
    func directory(of written: Located<String>, into sink: inout DiagnosticSink) -> String? {
        resolve(written) { sink.add($0) }?.model
    }

    /// A reference with its Hub repositories brought in: the folders it reads.
    private struct Resolved {
        /// The model's directory (a Hub model's snapshot folder).
        let model: String
        /// How to open the model when it comes from the Hub.
        let hub: HubModel?
        /// The adapter's directory, for `model+adapter`.
        let adapter: String?

        /// Identifies the model as opened: the same directory with another adapter is another model.
        var key: String { adapter.map { model + "+" + $0 } ?? model }
    }

    /// Where `written` points, or nil after reporting why it points nowhere. mergekit looks in
    /// the current directory only: when a relative path exists in both places as different
    /// things, the warning says which was used.
    private func resolve(_ written: Located<String>, report: (Diagnostic) -> Void) -> Resolved? {
        let location: ModelLocation
        do {
            location = try locator.locate(written.value)
        } catch {
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
        let model: (folder: String, hub: HubModel?)
        switch location.model {
        case .localDirectory(let path):
            model = (path, nil)
        case .hub(let reference):
            switch hubModels.model(reference) {
            case .success(let found): model = (found.folder, found)
            case .failure(let problem):
                report(.error("model '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
        var adapter: String?
        switch location.adapter {
        case nil:
            adapter = nil
        case .localDirectory(let path)?:
            adapter = path
        case .hub(let reference)?:
            switch hubModels.model(reference) {
            case .success(let found): adapter = found.folder
            case .failure(let problem):
                report(.error("LoRA adapter '\(reference)' of '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
        return Resolved(model: model.folder, hub: model.hub, adapter: adapter)
    }
}
