import Foundation
import MergeKitRecipe
import MergeKitYAML

/// Every model a recipe names, opened once (headers only) and referred to by index.
final class ModelCatalog {
    private(set) var models: [ModelDirectory] = []
    /// The model reference as the recipe wrote it, per model index (the first spelling seen).
    private(set) var writtenNames: [String] = []
    private var indexByKey: [String: Int] = [:]
    private var failedKeys: Set<String> = []
    private let recipeDirectory: String

    init(recipeFile: String) {
        recipeDirectory = ModelLocation.absolute((recipeFile as NSString).deletingLastPathComponent)
    }

    /// Opens (or finds) the model `written`, reporting problems at its recipe position.
    /// A model that failed once is reported only once.
    func open(_ written: Located<String>, into sink: inout DiagnosticSink) -> Int? {
        let location: ModelLocation
        switch ModelLocation.locate(written.value, in: [recipeDirectory, FileManager.default.currentDirectoryPath]) {
        case .success(let found): location = found
        case .failure(let error):
            sink.add(.error(error.description, at: written.location))
            return nil
        }
        if let index = indexByKey[location.key] { return index }
        if failedKeys.contains(location.key) { return nil }
        do {
            let model = try ModelDirectory(path: location.model, adapter: location.adapter)
            models.append(model)
            writtenNames.append(written.value)
            indexByKey[location.key] = models.count - 1
            return models.count - 1
        } catch {
            failedKeys.insert(location.key)
            sink.add(.error("model '\(written.value)' cannot be used: \(error.description)", at: written.location))
            return nil
        }
    }
}
