import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A repository the stand-in serves: commits with their files, and branch or tag names.
public struct StandInRepository: Sendable {
    public var id: String
    public var gated: Bool
    public var commits: [(commit: String, files: [String: Data])]
    public var refs: [String: String]

    public init(id: String, gated: Bool = false, commits: [(commit: String, files: [String: Data])], refs: [String: String]) {
        self.id = id
        self.gated = gated
        self.commits = commits
        self.refs = refs
    }
}

/// The Hugging Face Hub stand-in (StandIn/hub_stand_in.py, python3's standard library only) on
/// 127.0.0.1 and 127.0.0.2 with random ports, started for one test and stopped with it. The
/// second address plays the CDN, so a redirect to it leaves the Hub's host as real LFS
/// downloads do. No test reaches the real Hub.
public final class HubStandIn: @unchecked Sendable {
    // @unchecked: the process and pipe are set once in init and only closed in deinit.
    public let directory: TemporaryDirectory
    public let endpoint: URL
    public let cdn: URL
    public let token = "hf_standin_secret"
    private let process: Process
    private let input: Pipe

    /// The folder of the stand-in's scripts (and of the other python peers the tests start).
    public static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("StandIn").path

    public init(_ repositories: [StandInRepository]) throws {
        directory = try TemporaryDirectory(prefix: "hub-stand-in")
        var repos: [String: Any] = [:]
        var counter = 0
        try FileManager.default.createDirectory(atPath: directory.file("files"), withIntermediateDirectories: true)
        for repository in repositories {
            var commits: [String: [String: String]] = [:]
            for (commit, files) in repository.commits {
                var mapped: [String: String] = [:]
                for (path, data) in files {
                    counter += 1
                    let local = "files/\(counter)"
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

    public struct Request: Decodable, Sendable {
        public let method: String
        public let path: String
        public let range: String?
        public let authorization: Bool
    }

    public struct Stats: Decodable, Sendable {
        public let body_bytes: [String: Int]
        public let requests: [Request]

        /// Body bytes of downloads from the CDN (LFS files: the weights).
        public var cdnBytes: Int { body_bytes["cdn"] ?? 0 }
        /// Body bytes of every answer: API listings, small files, CDN downloads.
        public var totalBytes: Int { body_bytes.values.reduce(0, +) }
    }

    public func stats() async throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: try await control("stats"))
    }

    public func reset() async throws { _ = try await control("reset") }

    /// Arms a one-shot fault on the next CDN download of `sha256`: "drop" after `after` bytes,
    /// "corrupt" one byte, or "status" `code`.
    public func fault(_ kind: String, sha256: String, after: Int = 0, code: Int = 503, count: Int = 1) async throws {
        _ = try await control("fault?kind=\(kind)&sha256=\(sha256)&after=\(after)&code=\(code)&count=\(count)")
    }

    public func throttle(bytesPerSecond: Int) async throws {
        _ = try await control("throttle?bytes_per_second=\(bytesPerSecond)")
    }

    /// Points branch or tag `ref` of `repo` at `commit` (one of the repository's commits).
    public func move(_ ref: String, of repo: String, to commit: String) async throws {
        _ = try await control("move?repo=\(Self.escaped(repo))&ref=\(Self.escaped(ref))&commit=\(commit)")
    }

    /// Drops `commit` from `repo`, as a history rewrite (a force push, a squash) does.
    public func forget(_ commit: String, of repo: String) async throws {
        _ = try await control("forget?repo=\(Self.escaped(repo))&commit=\(commit)")
    }

    private static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    private func control(_ command: String) async throws -> Data {
        guard let url = URL(string: endpoint.absoluteString + "/_stand_in/" + command) else { throw StandInError("bad command \(command)") }
        let (data, response) = try await URLSession.shared.data(from: url)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw StandInError("\(command): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}

public struct StandInError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
