import MergeKitRecipe
import MergeKitSafetensors

/// Why a Hub model could not be resolved, read or downloaded. Every case names the repository
/// (and revision and file where they matter), and the access errors say how to pass a token.
public enum HubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 404 with `X-Error-Code: RepoNotFound`, or 401 RepoNotFound: the Hub answers the same for a
    /// missing repository and for a private one asked for without a token.
    case repositoryNotFound(HubRepoID, tokenSent: HubToken.Source?)
    /// 404 with `X-Error-Code: RevisionNotFound`.
    case revisionNotFound(HubRepoID, revision: String)
    /// 404 with `X-Error-Code: EntryNotFound` (or a 404 for a file when the repository exists).
    case fileNotFound(HubRepoID, revision: String, file: String)
    /// 401 or 403: a gated or private repository, without a token or with one that is refused.
    case accessDenied(HubRepoID, status: Int, gated: Bool, tokenSent: HubToken.Source?, serverMessage: String?)
    /// Offline (`HF_HUB_OFFLINE=1`) and the cache does not hold what is needed.
    case notInCache(HubRepoID, revision: String, file: String?, lookedIn: String)
    /// The Hub could not be reached, the cache knew the revision, but not this file.
    case unreachableAndNotInCache(HubRepoID, file: String, lookedIn: String, reason: String)
    /// A server error or throttling that outlasted the retries.
    case server(url: String, status: Int, message: String?)
    /// The connection failed, timed out or dropped, and retrying did not help.
    case transport(url: String, reason: String)
    /// The server's answer is not what the Hub sends (a missing header, a malformed body).
    case unexpectedResponse(url: String, problem: String)
    /// A downloaded file's sha256 or size differs from the one the Hub announced, on every try.
    case integrity(HubRepoID, file: String, expected: String, actual: String)
    /// A file in the cache could not be read or written.
    case cache(path: String, SystemError)
    /// The download (and `output` bytes of a merge written to the same disk) would not fit on
    /// the disk holding the cache.
    case insufficientDiskSpace(needed: Int, output: Int, available: Int, cacheDirectory: String)
    /// A remote safetensors header or JSON file that does not parse.
    case invalidFile(HubRepoID, file: String, problem: String)
    case cancelled

    public var description: String {
        switch self {
        case .repositoryNotFound(let repo, let token):
            let hint = token.map { "the token from \($0) does not give access to it" }
                ?? "if it is private or gated, pass a token: set HF_TOKEN, or log in with `hf auth login`"
            return "repository '\(repo)' was not found on the Hub (\(hint))"
        case .revisionNotFound(let repo, let revision):
            return "repository '\(repo)' has no revision '\(revision)' (no such branch, tag or commit)"
        case .fileNotFound(let repo, let revision, let file):
            return "repository '\(repo)' has no file '\(file)' at revision '\(revision)'"
        case .accessDenied(let repo, let status, let gated, let token, let message):
            let what = gated ? "gated repository" : "repository"
            let detail = message.map { ": \($0)" } ?? ""
            guard let token else {
                return "access to \(what) '\(repo)' was refused (HTTP \(status)\(detail)); "
                    + (gated ? "accept its conditions on its Hub page, then " : "")
                    + "pass a token: set HF_TOKEN=hf_..., or log in with `hf auth login` (which writes HF_HOME/token)"
            }
            return "access to \(what) '\(repo)' was refused (HTTP \(status)\(detail)) with the token from \(token); "
                + (gated ? "check that this account accepted the repository's conditions and that the token can read it"
                    : "check that the token can read this repository")
        case .notInCache(let repo, let revision, let file, let folder):
            let what = file.map { "file '\($0)' of '\(repo)@\(revision)'" } ?? "revision '\(revision)' of '\(repo)'"
            return "\(what) is not in the Hugging Face cache and HF_HUB_OFFLINE is set (looked in \(folder))"
        case .unreachableAndNotInCache(let repo, let file, let path, let reason):
            return "file '\(file)' of '\(repo)' is not in the Hugging Face cache (looked in \(path)), and the Hub cannot be reached: \(reason)"
        case .server(let url, let status, let message):
            return "the Hub answered HTTP \(status) for \(url)" + (message.map { ": \($0)" } ?? "") + ", after retrying"
        case .transport(let url, let reason):
            return "cannot reach \(url): \(reason)"
        case .unexpectedResponse(let url, let problem):
            return "unexpected answer from \(url): \(problem) (is HF_ENDPOINT a Hugging Face Hub?)"
        case .integrity(let repo, let file, let expected, let actual):
            return "'\(file)' of '\(repo)' downloaded with \(actual), but the Hub announced \(expected), on every retry"
        case .cache(let path, let error):
            return "\(path): \(error)"
        case .insufficientDiskSpace(let needed, let output, let available, let folder):
            let outputToo = output > 0 ? " (and the output \(ByteFormat.describe(output)) more on the same disk)" : ""
            return "the download needs \(ByteFormat.describe(needed))\(outputToo) but the disk holding \(folder) has \(ByteFormat.describe(available)) free; "
                + "nothing was downloaded (free some space, or choose a cache on a larger disk: --transformers-cache DIR or HF_HUB_CACHE)"
        case .invalidFile(let repo, let file, let problem):
            return "'\(file)' of '\(repo)': \(problem)"
        case .cancelled:
            return "cancelled"
        }
    }
}
