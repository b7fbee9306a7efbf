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

/// One file of a repository revision.
public struct HubRepoFile: Sendable, Equatable {
    /// The path inside the repository (`rfilename`).
    public let path: String
    public let size: Int?
    /// The content's sha256 for an LFS file; nil for a file stored in git itself.
    public let sha256: String?
    /// The git blob id.
    public let blobID: String?

    public init(path: String, size: Int?, sha256: String?, blobID: String?) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.blobID = blobID
    }
}
