/// A model named by Hub id, as recipes write it: `org/name` or `org/name@revision`, where the
/// revision is a branch, a tag or a commit (mergekit's `ModelPath`: at most one `@`).
///
/// This parses one model; a `model+adapter` reference is two of these joined by `+`, split by
/// the caller before parsing each half.
public struct HubModelReference: Hashable, Sendable, CustomStringConvertible {
    public let repo: HubRepoID
    /// The revision as written, or nil for the default branch.
    public let revision: String?

    public static let defaultRevision = "main"

    public init(repo: HubRepoID, revision: String? = nil) {
        self.repo = repo
        self.revision = revision
    }

    /// Parses `org/name[@revision]`; throws with the reason when `text` is not one.
    public static func parse(_ text: String) throws(HubReferenceError) -> HubModelReference {
        let pieces = text.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count <= 2 else { throw HubReferenceError(text: text, reason: "it has more than one '@'") }
        guard let repo = HubRepoID(pieces[0]) else {
            throw HubReferenceError(
                text: text,
                reason: "'\(pieces[0])' is not a repository id (org/name: letters, digits, '-', '_', '.'; no '--' or '..')")
        }
        guard pieces.count == 2 else { return HubModelReference(repo: repo) }
        let revision = pieces[1]
        guard isValidRevision(revision) else {
            throw HubReferenceError(text: text, reason: "'\(revision)' is not a revision (a branch, tag or commit)")
        }
        return HubModelReference(repo: repo, revision: revision)
    }

    /// The revision to ask for: the one written, or `main`.
    public var effectiveRevision: String { revision ?? Self.defaultRevision }

    public var description: String {
        revision.map { "\(repo)@\($0)" } ?? repo.description
    }

    /// A revision becomes a path under `refs/` in the cache, so it may hold `/` (as in
    /// `refs/pr/1`) but no empty, `.` or `..` component.
    static func isValidRevision(_ revision: String) -> Bool {
        guard !revision.isEmpty, revision.utf8.count <= 255 else { return false }
        guard !revision.unicodeScalars.contains(where: { $0.value < 0x21 || $0 == "\\" || $0.value == 0x7F }) else {
            return false
        }
        return revision.split(separator: "/", omittingEmptySubsequences: false)
            .allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// True for a full 40-hex-digit commit id (huggingface_hub's `REGEX_COMMIT_HASH`).
    public static func isCommitHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
