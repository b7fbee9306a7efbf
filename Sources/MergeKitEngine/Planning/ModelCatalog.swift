import MergeKitRecipe
import MergeKitYAML

/// Every model a recipe names, opened once (headers only) and referred to by index. What a
/// reference names is decided by `ModelLocator`; a Hub model comes from `hubModels`, brought in
/// by the caller before planning. `moe` opens the models of its configuration through it too, so
/// references resolve the same way in both.
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

    /// Opens (or finds) the model `written`, passing each problem to `report` at its recipe
    /// position: errors, and the warning for a relative path found in two places. A model that
    /// failed once is reported only once.
    package func open(_ written: Located<String>, report: (Diagnostic) -> Void) -> Int? {
        let source: ModelSource
        do {
            source = try locator.locate(written.value)
        } catch {
            report(.error(error.description, at: written.location))
            return nil
        }
        switch source {
        case .localDirectory(let path):
            if let other = locator.shadowedCandidate(written.value), warnedAmbiguous.insert(written.value).inserted {
                report(.warning(
                    "model '\(written.value)' exists beside the recipe ('\(path)') and in the current directory ('\(other)'); "
                        + "using the one beside the recipe (mergekit would use the one in the current directory)",
                    at: written.location))
            }
            if let index = indexByPath[path] { return index }
            if failedPaths.contains(path) { return nil }
            do {
                return add(try ModelDirectory(path: path), written: written)
            } catch {
                failedPaths.insert(path)
                report(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
                return nil
            }
        case .hub(let reference):
            switch hubModels.model(reference) {
            case .success(let model):
                return indexByPath[model.path] ?? add(model, written: written)
            case .failure(let problem):
                report(.error("model '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
    }

    /// The index of a model already opened under any spelling that names the same model
    /// (`tokens:` and `tokenizer_source` name models the way `models:` does); nil when it is not
    /// one of them. Reports nothing.
    func index(of written: String) -> Int? {
        switch try? locator.locate(written) {
        case .localDirectory(let path)?: indexByPath[path]
        case .hub(let reference)?: (try? hubModels.model(reference).get()).flatMap { indexByPath[$0.path] }
        case nil: nil
        }
    }

    /// The directory `written` names (as `open` finds it), reporting it when there is none; for
    /// a directory that is read but not opened as a model (a tokenizer source). A Hub model's is
    /// its snapshot folder in the cache.
    func directory(of written: Located<String>, into sink: inout DiagnosticSink) -> String? {
        let source: ModelSource
        do {
            source = try locator.locate(written.value)
        } catch {
            sink.add(.error(error.description, at: written.location))
            return nil
        }
        switch source {
        case .localDirectory(let path):
            return path
        case .hub(let reference):
            switch hubModels.model(reference) {
            case .success(let model):
                return model.path
            case .failure(let problem):
                sink.add(.error("model '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
    }

    private func add(_ model: ModelDirectory, written: Located<String>) -> Int {
        models.append(model)
        writtenNames.append(written.value)
        writtenLocations.append(written.location)
        indexByPath[model.path] = models.count - 1
        return models.count - 1
    }
}
