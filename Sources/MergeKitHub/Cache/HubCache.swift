import Foundation
import MergeKitRecipe
import MergeKitSafetensors

/// The Hugging Face hub cache, laid out exactly as huggingface_hub lays it out, so that Python
/// tools find the files we download and we find theirs:
///
/// ```
/// <root>/models--org--name/blobs/<etag>                  file contents, named by ETag
///                          refs/<revision>               the commit a branch or tag pointed to
///                          snapshots/<commit>/<path>     relative symlink to ../../blobs/<etag>
///                          .no_exist/<commit>/<path>     empty: the file is known not to exist
/// <root>/.locks/models--org--name/<etag>.lock            flock while a blob is written
/// ```
public struct HubCache: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public func repository(_ repo: HubRepoID) -> HubCacheRepository {
        HubCacheRepository(repo: repo, folder: root + "/" + repo.cacheFolderName,
                           locksFolder: root + "/.locks/" + repo.cacheFolderName)
    }

    /// Tags the cache for backup tools (the CACHEDIR.TAG standard), as huggingface_hub does; best
    /// effort, like theirs.
    func tagForBackupTools() {
        let path = root + "/CACHEDIR.TAG"
        guard case .failure = FileStatus.of(path, followingLinks: false) else { return }
        _ = HubCacheRepository.createFile(path, contents: Array(Self.cacheDirectoryTag.utf8))
    }

    static let cacheDirectoryTag = """
        Signature: 8a477f597d28d172789f06886806bc55
        # This file is a cache directory tag created by huggingface_hub.
        # For information about cache directory tags, see:
        #\thttps://bford.info/cachedir/

        """
}
