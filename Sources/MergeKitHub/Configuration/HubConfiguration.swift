import Foundation

/// Everything the Hub client needs to know about this machine: where the cache is, which
/// endpoint and token to use, and whether the network may be used. `init(environment:)` reads
/// the same variables as huggingface_hub (`constants.py`), so both tools share one cache.
public struct HubConfiguration: Sendable {
    /// The hub cache (the folder holding `models--org--name`).
    public var cacheDirectory: String
    /// `HF_ENDPOINT`, default `https://huggingface.co`, without a trailing slash.
    public var endpoint: URL
    public var token: HubToken?
    /// `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`): never touch the network.
    public var isOffline: Bool
    /// Files downloaded at the same time.
    public var parallelDownloads: Int = 4
    public var retry = RetryPolicy()
    /// Bytes asked for per request when downloading a larger file. The transport hands a body
    /// over faster than it can be hashed and written, and cannot be paused, so one request for a
    /// whole 5 GB shard could hold gigabytes in memory; a bounded range holds at most this much
    /// per download.
    public var downloadChunkBytes = 16 << 20
    /// Seconds without any byte from the server before a request counts as failed.
    public var idleTimeout: TimeInterval = 30

    public static let defaultEndpoint = "https://huggingface.co"

    public init(cacheDirectory: String, endpoint: URL, token: HubToken? = nil, isOffline: Bool = false) {
        self.cacheDirectory = cacheDirectory
        self.endpoint = endpoint
        self.token = token
        self.isOffline = isOffline
    }

    /// Reads the configuration from `environment`.
    ///
    /// - Parameter cacheOverride: a cache directory given on the command line
    ///   (`--transformers-cache DIR`); it wins over the environment.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        cacheOverride: String? = nil,
        homeDirectory: String = NSHomeDirectory()
    ) throws(HubConfigurationError) {
        func expand(_ path: String) -> String {
            guard path == "~" || path.hasPrefix("~/") else { return path }
            return homeDirectory + path.dropFirst()
        }
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        let cacheHome = value("XDG_CACHE_HOME").map(expand) ?? homeDirectory + "/.cache"
        let hfHome = value("HF_HOME").map(expand) ?? cacheHome + "/huggingface"
        cacheDirectory = cacheOverride.map(expand)
            ?? (value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE")).map(expand)
            ?? hfHome + "/hub"

        let endpointText = value("HF_ENDPOINT") ?? Self.defaultEndpoint
        let trimmed = endpointText.hasSuffix("/") ? String(endpointText.dropLast()) : endpointText
        guard let url = URL(string: trimmed), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw HubConfigurationError(variable: "HF_ENDPOINT", value: endpointText, expected: "an http(s) URL")
        }
        endpoint = url
        isOffline = Self.isTrue(value("HF_HUB_OFFLINE") ?? value("TRANSFORMERS_OFFLINE"))

        if Self.isTrue(environment["HF_HUB_DISABLE_IMPLICIT_TOKEN"]) {
            token = nil
        } else if let name = ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"].first(where: { HubToken.cleaned(environment[$0]) != nil }),
                  let text = HubToken.cleaned(environment[name]) {
            token = HubToken(value: text, source: .environment(name))
        } else {
            let tokenPath = value("HF_TOKEN_PATH").map(expand) ?? hfHome + "/token"
            let text = (try? String(contentsOfFile: tokenPath, encoding: .utf8)).flatMap { HubToken.cleaned($0) }
            token = text.map { HubToken(value: $0, source: .file(tokenPath)) }
        }
    }

    /// huggingface_hub's `_is_true`: 1, ON, YES or TRUE in any case.
    static func isTrue(_ text: String?) -> Bool {
        guard let text else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(text.uppercased())
    }
}
