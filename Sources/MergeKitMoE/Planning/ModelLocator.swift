import Foundation
import MergeKitEngine
import MergeKitRecipe

/// Opens the models a configuration names (headers only), each once. A relative path resolves
/// against the configuration's folder first, then the current directory (mergekit's
/// convention, as `apply` does).
final class ModelLocator {
    private(set) var models: [ModelDirectory] = []
    private var indexByPath: [String: Int] = [:]
    private var failed: Set<String> = []
    private let configDirectory: String

    init(configFile: String) {
        configDirectory = Self.absolute((configFile as NSString).deletingLastPathComponent)
    }

    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }

    /// The model's index, or nil with a diagnostic at its position.
    func open(_ written: Located<String>, into diagnostics: inout [Diagnostic]) -> Int? {
        let path = written.value
        var candidates = [path.hasPrefix("/") ? Self.absolute(path) : Self.absolute((configDirectory as NSString).appendingPathComponent(path))]
        if !path.hasPrefix("/"), Self.absolute(path) != candidates[0] { candidates.append(Self.absolute(path)) }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            diagnostics.append(.error(
                "model directory '\(path)' does not exist (looked in \(candidates.map { "'\($0)'" }.joined(separator: " and "))); model paths are local directories",
                at: written.location))
            return nil
        }
        if let index = indexByPath[found] { return index }
        if failed.contains(found) { return nil }
        do {
            models.append(try ModelDirectory(path: found))
            indexByPath[found] = models.count - 1
            return models.count - 1
        } catch {
            failed.insert(found)
            diagnostics.append(.error("model '\(path)' cannot be used: \(error.description)", at: written.location))
            return nil
        }
    }
}
