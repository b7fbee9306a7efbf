import Foundation

extension ModelDirectory {
    /// Opens the model a written reference (`path` or `path+adapter`) points to, relative paths
    /// resolved against the current directory. A plain path (or an existing one holding a '+')
    /// is opened as written, so messages name it as the user wrote it.
    public static func open(reference written: String) throws(CheckpointError) -> ModelDirectory {
        guard written.contains("+"), !FileManager.default.fileExists(atPath: written) else {
            return try ModelDirectory(path: written)
        }
        switch ModelLocation.locate(written, in: [FileManager.default.currentDirectoryPath]) {
        case .success(let location):
            return try ModelDirectory(path: location.model, adapter: location.adapter)
        case .failure(let error):
            throw CheckpointError(file: written, error.description)
        }
    }
}
