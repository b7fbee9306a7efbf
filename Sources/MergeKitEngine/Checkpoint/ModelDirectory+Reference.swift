import Foundation
import MergeKitSafetensors

extension ModelDirectory {
    /// Opens the model a written reference (`path` or `path+adapter`) points to, relative paths
    /// resolved against the current directory. A plain path (or an existing one holding a '+')
    /// is opened as written, so messages name it as the user wrote it. Both sides must be local
    /// (this reads no Hub repository).
    public static func open(reference written: String) throws(CheckpointError) -> ModelDirectory {
        guard written.contains("+"), case .failure = FileStatus.of(written) else {
            return try ModelDirectory(path: written)
        }
        let location: ModelLocation
        do {
            location = try ModelLocator(recipeDirectory: FileManager.default.currentDirectoryPath).locate(written)
        } catch {
            throw CheckpointError(file: written, error.description)
        }
        switch (location.model, location.adapter) {
        case (.localDirectory(let model), .localDirectory(let adapter)?):
            return try ModelDirectory(path: model, adapter: adapter)
        case (.localDirectory(let model), nil):
            return try ModelDirectory(path: model)
        default:
            throw CheckpointError(file: written, "names a Hub repository, which this command does not read; use local directories")
        }
    }
}
