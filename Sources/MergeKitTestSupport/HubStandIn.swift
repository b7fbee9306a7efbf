import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MergeKitHub
import MergeKitTestSupport

/// A repository the stand-in serves: commits with their files, and branch or tag names.
struct StandInRepository {
    var id: String
    var gated = false
    var commits: [(commit: String, files: [String: Data])]
    var refs: [String: String]
}

/// The Hub stand-in (StandIn/hub_stand_in.py, python3's standard library only) on 127.0.0.1 and
/// 127.0.0.2 with random ports, started for one test and stopped with it. The second address
/// plays the CDN, so a redirect to it leaves the Hub's host as real LFS downloads do.
final class HubStandIn: @unchecked Sendable {
    let directory: TemporaryDirectory
    let endpoint: URL
    let cdn: URL
    let token = "hf_standin_secret"
    private let process: Process
    private let input: Pipe

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("StandIn").path

    init(_ repositories: [StandInRepository]) throws {
        directory = try TemporaryDirectory(prefix: "hub-stand-in")
        var repos: [String: Any] = [:]
        var counter = 0
        for repository in repositories {
            var commits: [String: [String: String]] = [:]
            for (commit, files) in repository.commits {
                var mapped: [String: String] = [:]
                for (path, data) in files {
                    counter += 1
                    let local = "files/\(counter)"
                    try FileManager.default.createDirectory(atPath: directory.file("files"), withIntermediateDirectories: true)
                    try data.write(to: URL(fileURLWithPath: directory.file(local)))
                    mapped[path] = local
                }
                commits[commit] = mapped
            }
            repos[repository.id] = ["gated": repository.gated, "refs": repository.refs, "commits": commits]
        }
        let manifest = try JSONSerialization.data(withJSONObject: ["token": token, "repos": repos])
        try manifest.write(to: URL(fileURLWithPath: directory.file("manifest.json")))

        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scripts + "/hub_stand_in.py", "--root", directory.path]
        let output = Pipe()
        input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw StandInError("the stand-in exited before listening") }
            line.append(chunk)
        }
        let addresses = try JSONSerialization.jsonObject(with: line) as? [String: String]
        guard let hub = addresses?["endpoint"].flatMap(URL.init(string:)), let cdn = addresses?["cdn"].flatMap(URL.init(string:)) else {
            throw StandInError("unexpected first line: \(String(decoding: line, as: UTF8.self))")
        }
        endpoint = hub
        self.cdn = cdn
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    /// A configuration for this stand-in with a cache in `cache`, retrying quickly.
    func configuration(cache: String, withToken: Bool = false, offline: Bool = false) -> HubConfiguration {
        var configuration = HubConfiguration(
            cacheDirectory: cache, endpoint: endpoint,
            token: withToken ? HubToken(value: token, source: .environment("HF_TOKEN")) : nil, isOffline: offline)
        configuration.retry = RetryPolicy(attempts: 4, initialDelay: .milliseconds(20), maximumDelay: .milliseconds(100))
        configuration.idleTimeout = 20
        return configuration
    }

    struct Request: Decodable {
        let method: String
        let path: String
        let range: String?
        let authorization: Bool
    }

    struct Stats: Decodable {
        let body_bytes: [String: Int]
        let requests: [Request]

        var cdnBytes: Int { body_bytes["cdn"] ?? 0 }
        var totalBytes: Int { body_bytes.values.reduce(0, +) }
    }

    func stats() async throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: try await control("stats"))
    }

    func reset() async throws { _ = try await control("reset") }

    /// Arms a one-shot fault on the next CDN download of `sha256`: "drop" after `after` bytes,
    /// "corrupt" one byte, or "status" `code`.
    func fault(_ kind: String, sha256: String, after: Int = 0, code: Int = 503, count: Int = 1) async throws {
        _ = try await control("fault?kind=\(kind)&sha256=\(sha256)&after=\(after)&code=\(code)&count=\(count)")
    }

    func throttle(bytesPerSecond: Int) async throws {
        _ = try await control("throttle?bytes_per_second=\(bytesPerSecond)")
    }

    private func control(_ command: String) async throws -> Data {
        guard let url = URL(string: endpoint.absoluteString + "/_stand_in/" + command) else { throw StandInError("bad command \(command)") }
        let (data, _) = try await URLSession.shared.data(from: url)
        return data
    }
}

struct StandInError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
