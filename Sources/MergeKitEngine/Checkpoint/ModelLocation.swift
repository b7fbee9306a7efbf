import Foundation
import MergeKitCheckpoint

/// Where a written model reference points: a model directory and, for `model+adapter`, the
/// LoRA adapter directory applied to it, both made absolute.
///
/// Relative paths are tried in each folder of `folders` in order (a recipe's folder, then the
/// current directory: mergekit's convention). The whole text is tried first, so a directory
/// whose name holds a '+' stays a plain model; only when nothing is there is the text split at
/// its '+' as mergekit splits it (`ModelReference.parse`), and each side located the same way.
public struct ModelLocation: Sendable, Hashable {
    public var model: String
    public var adapter: String?

    /// Identifies the model as opened: the same directory with another adapter is another model.
    var key: String { adapter.map { model + "+" + $0 } ?? model }

    /// Locates `written`, or says in words why it cannot be.
    public static func locate(_ written: String, in folders: [String]) -> Result<ModelLocation, ModelLocationError> {
        let whole = candidates(written, in: folders)
        if let found = whole.first(where: existsOnDisk) { return .success(ModelLocation(model: found)) }
        guard written.contains("+") else {
            return .failure(ModelLocationError(
                "model directory '\(written)' does not exist (looked in \(places(whole))); model paths are local directories"))
        }
        let reference: ModelReference
        do {
            reference = try ModelReference.parse(written)
        } catch {
            return .failure(ModelLocationError(error.description))
        }
        guard let adapter = reference.adapter else { return .failure(ModelLocationError("model reference '\(written)' has no adapter")) }
        let models = candidates(reference.model, in: folders)
        guard let model = models.first(where: existsOnDisk) else {
            return .failure(ModelLocationError(
                "model directory '\(reference.model)' of '\(written)' does not exist (looked in \(places(models)))"))
        }
        let adapters = candidates(adapter, in: folders)
        guard let found = adapters.first(where: existsOnDisk) else {
            return .failure(ModelLocationError(
                "LoRA adapter directory '\(adapter)' of '\(written)' does not exist (looked in \(places(adapters)))"))
        }
        return .success(ModelLocation(model: model, adapter: found))
    }

    /// `path` made absolute against the current directory, with `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : ModelDirectory.join(FileManager.default.currentDirectoryPath, path)
        return (joined as NSString).standardizingPath
    }

    /// The absolute paths `path` may mean, in order, without repeats.
    private static func candidates(_ path: String, in folders: [String]) -> [String] {
        guard !path.hasPrefix("/") else { return [absolute(path)] }
        var found: [String] = []
        for folder in folders {
            let candidate = absolute(ModelDirectory.join(folder, path))
            if !found.contains(candidate) { found.append(candidate) }
        }
        return found
    }

    private static func existsOnDisk(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    private static func places(_ paths: [String]) -> String {
        paths.map { "'\($0)'" }.joined(separator: " and ")
    }
}
