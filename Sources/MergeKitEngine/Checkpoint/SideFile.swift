import Glibc
import MergeKitSafetensors

/// A file copied from a model into the output as it is (tokenizer files), found and checked
/// when the model is opened, so a bad one is refused at plan time, before any work.
///
/// It must be a regular file. It may be a symbolic link (models in the Hugging Face cache are
/// `snapshots/<rev>/tokenizer.json -> ../../blobs/<hash>`), followed only when its target is a
/// regular file inside the model folder or inside the same cache repository
/// (`models--org--name/`): the output gets the target's content, as a regular file. Anything
/// else (`/etc/passwd`, `/dev/zero`, a FIFO, another repository's blob) is refused, naming the
/// file, so nothing from elsewhere on the machine can end up in a published model.
public struct SideFile: Sendable, Equatable {
    /// The tokenizer files copied from the tokenizer source model when present.
    public static let names = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
        "vocab.json", "merges.txt", "added_tokens.json", "vocab.txt", "chat_template.jinja",
    ]
    /// Generation defaults (sampling, stop tokens), copied from the base model as mergekit does.
    public static let generationConfigName = "generation_config.json"

    /// The name in the model folder and in the output.
    public var name: String
    /// The regular file to copy (symbolic links resolved).
    public var source: String

    /// The side files of `names` present in `directory`, checked.
    static func find(in directory: String, names: [String] = names) throws(CheckpointError) -> [SideFile] {
        let folder = FileSystem.resolved(directory)
        let roots = [folder] + [cacheRepository(of: folder)].compactMap { $0 }
        var found: [SideFile] = []
        for name in names {
            let path = ModelDirectory.join(directory, name)
            let entry: FileStatus
            switch FileStatus.of(path, followingLinks: false) {
            case .success(let status): entry = status
            case .failure(let error) where error.code == ENOENT: continue
            case .failure(let error): throw CheckpointError(file: path, "cannot be read", underlying: error)
            }
            guard entry.kind == .symbolicLink else {
                guard entry.kind == .regular else {
                    throw CheckpointError(file: path, "is not a regular file (it is \(entry.kind.description))")
                }
                found.append(SideFile(name: name, source: path))
                continue
            }
            let written = (try? Syscall.readLink(path).get()) ?? "?"
            let target: String
            switch Syscall.realPath(path) {
            case .success(let resolved): target = resolved
            case .failure(let error):
                throw CheckpointError(file: path, "is a symbolic link to '\(written)', which cannot be followed", underlying: error)
            }
            switch FileStatus.of(target) {
            case .success(let status) where status.kind == .regular: break
            case .success(let status):
                throw CheckpointError(file: path, "is a symbolic link to '\(target)', which is not a regular file (it is \(status.kind.description))")
            case .failure(let error):
                throw CheckpointError(file: path, "is a symbolic link to '\(target)', which cannot be read", underlying: error)
            }
            guard roots.contains(where: { FileSystem.isSameOrInside(target, $0) && target != $0 }) else {
                let places = roots.count > 1 ? "the model folder and its Hugging Face cache repository '\(roots[1])'" : "the model folder"
                throw CheckpointError(file: path, "is a symbolic link to '\(target)', outside \(places); only files there are copied into the output")
            }
            found.append(SideFile(name: name, source: target))
        }
        return found
    }

    /// `…/models--org--name` when `folder` is a snapshot of the Hugging Face cache
    /// (`…/models--org--name/snapshots/<revision>`), else nil.
    static func cacheRepository(of folder: String) -> String? {
        var components = folder.split(separator: "/", omittingEmptySubsequences: true)
        guard components.count >= 3, components[components.count - 2] == "snapshots",
              components[components.count - 3].hasPrefix("models--") else { return nil }
        components.removeLast(2)
        return "/" + components.joined(separator: "/")
    }
}
