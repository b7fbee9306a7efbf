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
