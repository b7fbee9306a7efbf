import MergeKitRecipe

/// Every model a recipe names, opened once (headers only) and referred to by index. What a
/// reference names is decided by `ModelLocator`; a Hub model comes from `hubModels`, brought in
/// by the caller before planning.
final class ModelCatalog {
    private(set) var models: [ModelDirectory] = []
    /// The model path as the recipe wrote it, per model index (the first spelling seen).
    private(set) var writtenNames: [String] = []
    private var indexByPath: [String: Int] = [:]
    private var failedPaths: Set<String> = []
    private let locator: ModelLocator
    private let hubModels: HubModels

    init(recipeFile: String, hubModels: HubModels = HubModels()) {
        locator = ModelLocator(recipeFile: recipeFile)
        self.hubModels = hubModels
    }

    /// Opens (or finds) the model `written`, reporting problems at its recipe position.
    /// A model that failed once is reported only once.
    func open(_ written: Located<String>, into sink: inout DiagnosticSink) -> Int? {
        let source: ModelSource
        do {
            source = try locator.locate(written.value)
        } catch {
            sink.add(.error(error.description, at: written.location))
            return nil
        }
        switch source {
        case .localDirectory(let path):
            if let index = indexByPath[path] { return index }
            if failedPaths.contains(path) { return nil }
            do {
                return add(try ModelDirectory(path: path), written: written.value)
            } catch {
                failedPaths.insert(path)
                sink.add(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
                return nil
            }
        case .hub(let reference):
            switch hubModels.model(reference) {
            case .success(let model):
                return indexByPath[model.path] ?? add(model, written: written.value)
            case .failure(let problem):
                sink.add(.error("model '\(written.value)': \(problem.message)", at: written.location))
                return nil
            }
        }
    }

    private func add(_ model: ModelDirectory, written: String) -> Int {
        models.append(model)
        writtenNames.append(written)
        indexByPath[model.path] = models.count - 1
        return models.count - 1
    }
}
