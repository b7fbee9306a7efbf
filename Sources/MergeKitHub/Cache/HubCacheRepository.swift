import Foundation
import Glibc
import MergeKitRecipe
import MergeKitSafetensors

/// One repository's folder in the hub cache (see `HubCache` for the layout).
public struct HubCacheRepository: Sendable {
    public let repo: HubRepoID
    /// `<cache>/models--org--name`.
    public let folder: String
    /// `<cache>/.locks/models--org--name`.
    public let locksFolder: String

    /// The commit `revision` names in the cache: itself when it is a commit id, else the content
    /// of `refs/<revision>` when that file exists.
    public func commit(forRevision revision: String) -> String? {
        if HubModelReference.isCommitHash(revision) { return revision }
        guard let text = try? String(contentsOfFile: refPath(revision), encoding: .utf8) else { return nil }
        return HubModelReference.isCommitHash(text) ? text : nil
    }

    /// Records that `revision` points at `commit` (nothing to record when they are the same):
    /// written to a temporary file and renamed, so readers never see half a ref.
    public func recordRevision(_ revision: String, commit: String) throws(HubError) {
        guard revision != commit else { return }
        let path = refPath(revision)
        if (try? String(contentsOfFile: path, encoding: .utf8)) == commit { return }
        try Self.createDirectory((path as NSString).deletingLastPathComponent)
        let temporary = path + "." + Self.uniqueSuffix() + ".tmp"
        if case .failure(let error) = Self.createFile(temporary, contents: Array(commit.utf8)) {
            throw HubError.cache(path: temporary, error)
        }
        if case .failure(let error) = Syscall.rename(temporary, to: path) {
            _ = Syscall.unlink(temporary)
            throw HubError.cache(path: path, error)
        }
    }

    public func refPath(_ revision: String) -> String { folder + "/refs/" + revision }

    public func snapshotFolder(commit: String) -> String { folder + "/snapshots/" + commit }

    /// `snapshots/<commit>/<file>`: the path a model directory reader opens.
    public func snapshotPath(commit: String, file: String) -> String { snapshotFolder(commit: commit) + "/" + file }

    public func blobPath(etag: String) -> String { folder + "/blobs/" + etag }

    /// Where a blob grows while it is downloaded (huggingface_hub before 1.0 used and resumed
    /// the same name; later versions write a private name of their own, also under the lock).
    public func incompletePath(etag: String) -> String { blobPath(etag: etag) + ".incomplete" }

    public func lockPath(etag: String) -> String { locksFolder + "/" + etag + ".lock" }

    public func noExistPath(commit: String, file: String) -> String { folder + "/.no_exist/" + commit + "/" + file }

    /// The cached file (through its symlink), or nil when it is not in the snapshot.
    public func cachedFile(commit: String, file: String) -> String? {
        let path = snapshotPath(commit: commit, file: file)
        return Self.regularFileSize(path) == nil ? nil : path
    }

    /// True when the cache records that `file` does not exist at `commit`.
    public func isKnownMissing(commit: String, file: String) -> Bool {
        if case .success = FileStatus.of(noExistPath(commit: commit, file: file), followingLinks: false) { return true }
        return false
    }

    /// Records that `file` does not exist at `commit` (an empty marker file, as huggingface_hub
    /// writes after a 404 EntryNotFound). Best effort: a read-only cache only loses the shortcut.
    public func markMissing(commit: String, file: String) {
        let path = noExistPath(commit: commit, file: file)
        guard (try? Self.createDirectory((path as NSString).deletingLastPathComponent)) != nil else { return }
        if case .failure = FileStatus.of(path, followingLinks: false) {
            _ = Self.createFile(path, contents: [])
        }
    }

    /// Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative symlink
    /// (`../../blobs/<etag>`, one more `..` per folder in `file`), replacing what was there.
    public func linkSnapshot(commit: String, file: String, toBlob etag: String) throws(HubError) {
        let path = snapshotPath(commit: commit, file: file)
        try Self.createDirectory((path as NSString).deletingLastPathComponent)
        let depth = file.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth + 2) + "blobs/" + etag
        if case .success(let existing) = Syscall.readLink(path), existing == target { return }
        let temporary = path + "." + Self.uniqueSuffix() + ".link"
        if case .failure(let error) = Syscall.symbolicLink(temporary, pointingTo: target) {
            throw HubError.cache(path: temporary, error)
        }
        if case .failure(let error) = Syscall.rename(temporary, to: path) {
            _ = Syscall.unlink(temporary)
            throw HubError.cache(path: path, error)
        }
    }

    /// The files of a snapshot already in the cache, relative to the snapshot folder, sorted.
    public func snapshotFiles(commit: String) -> [String] {
        let root = snapshotFolder(commit: commit)
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if case .success(let status) = FileStatus.of(root + "/" + relative), status.kind == .regular {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// The blob a snapshot file links to (its ETag), when it is a link into `blobs/`.
    public func blobName(commit: String, file: String) -> String? {
        guard case .success(let target) = Syscall.readLink(snapshotPath(commit: commit, file: file)),
              let range = target.range(of: "blobs/", options: .backwards) else { return nil }
        return String(target[range.upperBound...])
    }

    static func createDirectory(_ path: String) throws(HubError) {
        if case .failure(let error) = FileSystem.makeDirectories(path) { throw HubError.cache(path: path, error) }
    }

    /// The size of the regular file at `path` (symbolic links followed), or nil when there is none.
    static func regularFileSize(_ path: String) -> Int? {
        guard case .success(let status) = FileStatus.of(path), status.kind == .regular else { return nil }
        return status.size
    }

    /// Creates the file `path` (it must not exist) holding `contents`.
    static func createFile(_ path: String, contents: [UInt8]) -> Result<Void, SystemError> {
        FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644).flatMap { descriptor in
            contents.withUnsafeBytes { descriptor.write($0, at: 0) }.flatMap { descriptor.close() }
        }
    }

    static func uniqueSuffix() -> String {
        String(UUID().uuidString.prefix(8)).lowercased()
    }
}
