import MergeKitRecipe
/// A Hub model reference pinned to a commit, with the files that commit holds.
public struct ResolvedHubModel: Sendable, Equatable {
    /// Where the answer came from.
    public enum Origin: Sendable, Equatable {
        /// The Hub's API.
        case hub
        /// The cache, because HF_HUB_OFFLINE is set.
        case offlineCache
        /// The cache, because the Hub could not be reached (the reason is kept for a warning).
        case cacheAfterNetworkFailure(String)
    }

    public let reference: HubModelReference
    public let commit: String
    /// Every file of the commit (online), or the files of its snapshot in the cache (offline).
    public let files: [HubRepoFile]
    public let origin: Origin

    public init(reference: HubModelReference, commit: String, files: [HubRepoFile], origin: Origin) {
        self.reference = reference
        self.commit = commit
        self.files = files
        self.origin = origin
    }

    public var repo: HubRepoID { reference.repo }

    public func file(_ path: String) -> HubRepoFile? {
        files.first { $0.path == path }
    }

    /// `org/name@commit`, the name used in messages about this model's files.
    public var pinnedDescription: String { "\(repo)@\(commit)" }
}
