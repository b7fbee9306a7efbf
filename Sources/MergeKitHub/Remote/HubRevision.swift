import MergeKitRecipe
/// A revision of a repository as the Hub's API lists it (`/api/models/{repo}/revision/{rev}`
/// with `blobs=true`): the commit and every file with its size and, for LFS files, sha256.
public struct HubRevision: Sendable, Equatable {
    public let repo: HubRepoID
    /// The revision as asked for (a branch, tag or commit).
    public let revision: String
    public let commit: String
    public let files: [HubRepoFile]

    public init(repo: HubRepoID, revision: String, commit: String, files: [HubRepoFile]) {
        self.repo = repo
        self.revision = revision
        self.commit = commit
        self.files = files
    }

    public func file(_ path: String) -> HubRepoFile? {
        files.first { $0.path == path }
    }
}
