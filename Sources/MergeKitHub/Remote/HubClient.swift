import Foundation
import MergeKitRecipe
import MergeKitSafetensors

/// The Hub's file and API endpoints, spoken the way huggingface_hub speaks them: HEAD on
/// `/{repo}/resolve/{revision}/{file}` for metadata (following redirects that stay on the Hub,
/// reading `X-Linked-*` from a redirect that leaves it), `/api/models/{repo}/revision/{rev}` for
/// listings, and GETs with `Range` for content. The token is sent only to the Hub's own host,
/// never to the CDN a redirect points at. 429, 5xx and dropped connections are retried with
/// exponential backoff.
final class HubClient: Sendable {
    let configuration: HubConfiguration
    let http: HTTPClient

    static let maximumRedirects = 10
    static let userAgent = "mergekit-swift (huggingface_hub-compatible)"

    init(configuration: HubConfiguration) {
        self.configuration = configuration
        http = HTTPClient(idleTimeout: configuration.idleTimeout)
    }

    // MARK: Addresses

    func resolveURL(_ repo: HubRepoID, revision: String, file: String) -> URL {
        let text = configuration.endpoint.absoluteString + "/" + repo.description + "/resolve/"
            + Self.escape(revision, keeping: "") + "/" + Self.escape(file, keeping: "/")
        return URL(string: text) ?? configuration.endpoint
    }

    func revisionURL(_ repo: HubRepoID, revision: String) -> URL {
        let base = configuration.endpoint.absoluteString + "/api/models/" + repo.description + "/revision/"
            + Self.escape(revision, keeping: "") + "?blobs=true"
        return URL(string: base) ?? configuration.endpoint
    }

    /// Percent-escapes everything but unreserved characters and `keeping` (Python's `quote`).
    private static func escape(_ text: String, keeping: String) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        allowed.insert(charactersIn: keeping)
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// True when `url` is on the endpoint's host, where the token may go.
    func isHubHost(_ url: URL) -> Bool {
        url.scheme == configuration.endpoint.scheme && url.host == configuration.endpoint.host
            && url.port == configuration.endpoint.port
    }

    /// The headers for a request to `url`: the token only for the Hub's host, identity encoding
    /// (sizes must be the file's), and `range` when given; an empty range asks for everything
    /// from its start (`bytes=N-`).
    func headers(for url: URL, range: Range<Int>? = nil) -> [String: String] {
        var headers = ["User-Agent": Self.userAgent, "Accept-Encoding": "identity"]
        if let token = configuration.token, isHubHost(url) { headers["Authorization"] = "Bearer \(token.value)" }
        if let range { headers["Range"] = range.isEmpty ? "bytes=\(range.lowerBound)-" : "bytes=\(range.lowerBound)-\(range.upperBound - 1)" }
        return headers
    }

    // MARK: Requests

    /// The metadata of `file` at `revision` (HEAD, as `get_hf_file_metadata`).
    func metadata(_ repo: HubRepoID, revision: String, file: String) async throws(HubError) -> HubFileMetadata {
        var url = resolveURL(repo, revision: revision, file: file)
        for _ in 0...Self.maximumRedirects {
            let (head, body) = try await fetchRetrying(HTTPRequest("HEAD", url, headers: headers(for: url)), limit: 1 << 16)
            if head.isRedirect, let location = head.location, isHubHost(location) {
                url = location
                continue
            }
            guard head.isRedirect || (200..<300).contains(head.status) else {
                throw classify(head, body: body, repo: repo, revision: revision, file: file)
            }
            guard let commit = head.header("X-Repo-Commit") else {
                throw HubError.unexpectedResponse(url: url.absoluteString, problem: "no X-Repo-Commit header")
            }
            guard let etag = HubFileMetadata.normalizedETag(head.header("X-Linked-Etag") ?? head.header("ETag")) else {
                throw HubError.unexpectedResponse(url: url.absoluteString, problem: "no ETag header")
            }
            let size = head.header("X-Linked-Size").flatMap { Int($0) } ?? (head.isRedirect ? nil : head.resourceLength)
            return HubFileMetadata(commit: commit, etag: etag, size: size, downloadURL: head.isRedirect ? (head.location ?? url) : url)
        }
        throw HubError.unexpectedResponse(url: url.absoluteString, problem: "more than \(Self.maximumRedirects) redirects")
    }

    /// The commit `revision` names and the files it holds.
    func revision(_ repo: HubRepoID, revision: String) async throws(HubError) -> HubRevision {
        let url = revisionURL(repo, revision: revision)
        let (head, body) = try await fetchRetrying(HTTPRequest("GET", url, headers: headers(for: url)), limit: 64 << 20)
        guard (200..<300).contains(head.status) else {
            throw classify(head, body: body, repo: repo, revision: revision, file: nil)
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw HubError.unexpectedResponse(url: url.absoluteString, problem: "the listing is not JSON (\(error))")
        }
        guard let commit = root["sha"]?.stringValue, HubModelReference.isCommitHash(commit) else {
            throw HubError.unexpectedResponse(url: url.absoluteString, problem: "the listing has no commit ('sha')")
        }
        var files: [HubRepoFile] = []
        for sibling in root["siblings"]?.arrayValue ?? [] {
            guard let path = sibling["rfilename"]?.stringValue else { continue }
            let lfs = sibling["lfs"]
            files.append(HubRepoFile(
                path: path,
                size: lfs?["size"]?.intValue ?? sibling["size"]?.intValue,
                sha256: lfs?["sha256"]?.stringValue,
                blobID: sibling["blobId"]?.stringValue))
        }
        return HubRevision(repo: repo, revision: revision, commit: commit, files: files)
    }

    /// Bytes `range` of the file at `url` (following redirects), the file's total length, and
    /// the address that answered (to ask it directly next time).
    func readRange(
        _ url: URL, range: Range<Int>, repo: HubRepoID, revision: String, file: String
    ) async throws(HubError) -> (bytes: Data, totalLength: Int?, finalURL: URL) {
        var current = url
        for _ in 0...Self.maximumRedirects {
            let (head, body) = try await fetchRetrying(
                HTTPRequest("GET", current, headers: headers(for: current, range: range)), limit: max(range.count, 1 << 16))
            if head.isRedirect, let location = head.location {
                current = location
                continue
            }
            switch head.status {
            case 206:
                return (body, head.resourceLength, current)
            case 200:
                // A server that ignores Range sends everything; keep what was asked for.
                let end = min(range.upperBound, body.count)
                return (range.lowerBound < end ? body.subdata(in: range.lowerBound..<end) : Data(), body.count, current)
            default:
                throw classify(head, body: body, repo: repo, revision: revision, file: file)
            }
        }
        throw HubError.unexpectedResponse(url: url.absoluteString, problem: "more than \(Self.maximumRedirects) redirects")
    }

    /// Sends a request whose body fits in memory, retrying throttling, server errors and
    /// connection failures.
    func fetchRetrying(_ request: HTTPRequest, limit: Int) async throws(HubError) -> (head: HTTPResponseHead, body: Data) {
        var attempt = 1
        while true {
            let failure: HubError
            do {
                let (head, body) = try await http.fetch(request, limit: limit)
                guard Self.isRetryable(status: head.status) else { return (head, body) }
                failure = .server(url: request.url.absoluteString, status: head.status, message: head.header("X-Error-Message"))
                if attempt >= configuration.retry.attempts { return (head, body) }
            } catch {
                switch error {
                case .cancelled: throw HubError.cancelled
                case .receiver(let error): throw error
                case .transport(let reason): failure = .transport(url: request.url.absoluteString, reason: reason)
                }
                if attempt >= configuration.retry.attempts { throw failure }
            }
            try await pause(beforeRetry: attempt)
            attempt += 1
        }
    }

    func pause(beforeRetry retry: Int) async throws(HubError) {
        do {
            try await Task.sleep(for: configuration.retry.delay(beforeRetry: retry))
        } catch {
            throw HubError.cancelled
        }
    }

    static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }

    /// The Hub's error answer as a `HubError` (huggingface_hub's `hf_raise_for_status`).
    func classify(_ head: HTTPResponseHead, body: Data, repo: HubRepoID, revision: String, file: String?) -> HubError {
        let code = head.header("X-Error-Code")
        let message = head.header("X-Error-Message")
        let tokenSent = isHubHost(head.url) ? configuration.token?.source : nil
        switch (head.status, code) {
        case (_, "RepoNotFound"):
            return .repositoryNotFound(repo, tokenSent: tokenSent)
        case (_, "RevisionNotFound"):
            return .revisionNotFound(repo, revision: revision)
        case (_, "EntryNotFound"):
            return .fileNotFound(repo, revision: revision, file: file ?? "")
        case (401, _), (403, _):
            return .accessDenied(repo, status: head.status, gated: code == "GatedRepo", tokenSent: tokenSent, serverMessage: message)
        case (404, _):
            if let file { return .fileNotFound(repo, revision: revision, file: file) }
            return .repositoryNotFound(repo, tokenSent: tokenSent)
        default:
            let text = message ?? String(decoding: body.prefix(200), as: UTF8.self)
            return .server(url: head.url.absoluteString, status: head.status, message: text.isEmpty ? nil : text)
        }
    }
}
