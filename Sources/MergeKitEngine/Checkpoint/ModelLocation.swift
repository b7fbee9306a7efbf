import Foundation
import MergeKitCheckpoint
import MergeKitSafetensors

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
    /// Relative paths found in more than one folder, holding different things: the first was
    /// used (the caller may warn, since mergekit looks in the current directory only).
    public var ambiguities: [Ambiguity] = []

    /// A relative path that exists in two of the folders, as different files.
    public struct Ambiguity: Sendable, Hashable {
        /// The path as written (one side of `model+adapter`, or the whole reference).
        public var written: String
        /// Whether it names the adapter of `model+adapter`.
        public var isAdapter: Bool
        public var used: String
        public var other: String
    }

    /// Identifies the model as opened: the same directory with another adapter is another model.
    var key: String { adapter.map { model + "+" + $0 } ?? model }

    /// Locates `written`, or says in words why it cannot be.
    public static func locate(_ written: String, in folders: [String]) -> Result<ModelLocation, ModelLocationError> {
        let whole = find(written, isAdapter: false, in: folders)
        if let found = whole.path {
            return .success(ModelLocation(model: found, ambiguities: whole.ambiguity.map { [$0] } ?? []))
        }
        guard written.contains("+") else {
            return .failure(ModelLocationError(
                "model directory '\(written)' does not exist (looked in \(places(whole.candidates))); model paths are local directories"))
        }
        let reference: ModelReference
        do {
            reference = try ModelReference.parse(written)
        } catch {
            return .failure(ModelLocationError(error.description))
        }
        guard let adapter = reference.adapter else { return .failure(ModelLocationError("model reference '\(written)' has no adapter")) }
        let model = find(reference.model, isAdapter: false, in: folders)
        guard let modelPath = model.path else {
            return .failure(ModelLocationError(
                "model directory '\(reference.model)' of '\(written)' does not exist (looked in \(places(model.candidates)))"))
        }
        let adapterFound = find(adapter, isAdapter: true, in: folders)
        guard let adapterPath = adapterFound.path else {
            return .failure(ModelLocationError(
                "LoRA adapter directory '\(adapter)' of '\(written)' does not exist (looked in \(places(adapterFound.candidates)))"))
        }
        return .success(ModelLocation(
            model: modelPath, adapter: adapterPath, ambiguities: [model.ambiguity, adapterFound.ambiguity].compactMap { $0 }))
    }

    /// `path` made absolute against the current directory, with `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : ModelDirectory.join(FileManager.default.currentDirectoryPath, path)
        return (joined as NSString).standardizingPath
    }

    /// The first place `path` exists (with the places tried), and the ambiguity when a second
    /// place holds something else.
    private static func find(
        _ path: String, isAdapter: Bool, in folders: [String]
    ) -> (path: String?, candidates: [String], ambiguity: Ambiguity?) {
        var candidates: [String] = []
        if path.hasPrefix("/") {
            candidates = [absolute(path)]
        } else {
            for folder in folders {
                let candidate = absolute(ModelDirectory.join(folder, path))
                if !candidates.contains(candidate) { candidates.append(candidate) }
            }
        }
        let existing = candidates.filter { FileManager.default.fileExists(atPath: $0) }
        guard let found = existing.first else { return (nil, candidates, nil) }
        var ambiguity: Ambiguity?
        if existing.count > 1, FileSystem.resolved(existing[0]) != FileSystem.resolved(existing[1]) {
            ambiguity = Ambiguity(written: path, isAdapter: isAdapter, used: existing[0], other: existing[1])
        }
        return (found, candidates, ambiguity)
    }

    private static func places(_ paths: [String]) -> String {
        paths.map { "'\($0)'" }.joined(separator: " and ")
    }
}
