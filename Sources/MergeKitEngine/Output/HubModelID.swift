import Foundation
import MergeKitRecipe
import MergeKitSafetensors

/// The Hugging Face Hub id a model is known under, when it can be told from the files alone
/// (the model card's `base_model:` must hold Hub ids, never local paths). mergekit lists the
/// recipe's references that look like Hub ids and, when such a path exists locally, asks the
/// Hub; we ask no one, and take the id from where it is written down:
/// 1. a model in the Hugging Face cache (`…/models--org--name/snapshots/<rev>`) is `org/name`;
/// 2. else config.json's `_name_or_path`, when it is an `owner/name` id that is not a path that
///    exists here (transformers writes the id the model was loaded from there; for a
///    fine-tune saved locally that may be the id of the model it was trained from, which
///    the merge descends from too).
/// Anything else (a plain local folder) has no id, and the card leaves it out of `base_model`.
enum HubModelID {
    enum Origin: Equatable {
        /// The model's folder is a snapshot of this repository in the Hugging Face cache.
        case cache
        /// config.json's `_name_or_path`.
        case configName
    }

    static func of(_ model: ModelDirectory) -> (id: String, origin: Origin)? {
        if let repository = SideFile.cacheRepository(of: FileSystem.resolved(model.path)),
           let id = fromCacheFolder(repository.split(separator: "/").last.map(String.init) ?? repository) {
            return (id, .cache)
        }
        if let name = model.config["_name_or_path"]?.stringValue, name.contains("/"), isValid(name),
           !exists(name), !exists(ModelDirectory.join(model.path, name)) {
            return (name, .configName)
        }
        return nil
    }

    /// Whether something is at `path` (symbolic links followed), asked through the IO funnel.
    private static func exists(_ path: String) -> Bool {
        if case .success = FileStatus.of(path) { return true }
        return false
    }

    /// `models--org--name` → `org/name` (the cache joins the id's parts with `--`, which ids
    /// cannot contain, so the split is unambiguous).
    static func fromCacheFolder(_ folder: String) -> String? {
        guard folder.hasPrefix("models--") else { return nil }
        let id = folder.dropFirst("models--".count).replacingOccurrences(of: "--", with: "/")
        return isValid(id) ? id : nil
    }

    /// huggingface_hub's rule for repository ids (`HubRepoID`, the one definition).
    static func isValid(_ id: String) -> Bool {
        HubRepoID(id) != nil
    }
}
