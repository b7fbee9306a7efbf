import Foundation
@testable import MergeKitHub
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// A cache we fill is read by huggingface_hub, and one it fills is read by us. Outside CI (it
/// needs huggingface_hub): `HUB_INTEROP_PYTHON=/path/to/venv/bin/python swift test --filter Interop`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HUB_INTEROP_PYTHON"] != nil, "set HUB_INTEROP_PYTHON to a python with huggingface_hub"))
struct HuggingfaceHubInteropTests {
    let files: [String: Data]
    let commit = HubFixtures.commit("interop")
    let standIn: HubStandIn

    init() throws {
        files = try HubFixtures.llamaFiles(seed: 9)
        standIn = try HubStandIn([StandInRepository(id: "org/model", commits: [(commit, files)], refs: ["main": commit])])
    }

    struct PeerResult: Decodable {
        struct Scan: Decodable {
            struct Repo: Decodable {
                let repo_id: String
                let nb_files: Int
                let size_on_disk: Int
                let refs: [String]
                let commits: [String]
            }
            let warnings: [String]
            let repos: [Repo]
        }
        let paths: [String: String]
        let version: String
        let scan: Scan?
    }

    func runPeer(_ arguments: [String], cache: String) throws -> PeerResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["HUB_INTEROP_PYTHON"]))
        process.arguments = [HubStandIn.scripts + "/interop_peer.py"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HF_HUB_CACHE"] = cache
        environment["HF_ENDPOINT"] = standIn.endpoint.absoluteString
        environment["HF_HUB_DISABLE_TELEMETRY"] = "1"
        environment["HF_HUB_DISABLE_XET"] = "1"
        if arguments.first == "read" { environment["HF_HUB_OFFLINE"] = "1" }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let messages = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StandInError("interop_peer.py failed: \(messages)") }
        return try JSONDecoder().decode(PeerResult.self, from: data)
    }

    @Test func huggingfaceHubReadsOurCacheOffline() async throws {
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        let snapshot = try await store.download(Array(files.keys), of: model)

        let result = try runPeer(["read", "org/model", "main"] + files.keys.sorted(), cache: cache.path)
        for (name, data) in files {
            #expect(result.paths[name] == snapshot + "/" + name, "\(name)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(result.paths[name]))) == data)
        }
        let scan = try #require(result.scan)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        let repo = try #require(scan.repos.first)
        #expect(repo.repo_id == "org/model" && repo.refs == ["main"] && repo.commits == [commit])
        #expect(repo.nb_files == files.count && repo.size_on_disk == files.values.reduce(0) { $0 + $1.count })
    }

    @Test func weReadHuggingfaceHubsCacheOffline() async throws {
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let result = try runPeer(["fill", "org/model", "main"] + files.keys.sorted(), cache: cache.path)
        #expect(result.paths.count == files.count)

        var configuration = standIn.configuration(cache: cache.path, offline: true)
        configuration.endpoint = try #require(URL(string: "http://127.0.0.1:9"))
        let store = HubModelStore(configuration: configuration, progress: .silent)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        #expect(model.commit == commit)
        let snapshot = try await store.download(Array(files.keys), of: model)
        for (name, data) in files {
            #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + name)) == data, "\(name)")
            #expect(result.paths[name] == snapshot + "/" + name)
        }
        let checkpoint = try await store.readCheckpoint(of: model)
        #expect(checkpoint.shards.count == 3)
        for shard in checkpoint.shards {
            #expect(shard.sha256 == HubFixtures.sha256(try #require(files[shard.file])), "the blob is named by sha256")
        }
    }
}
