import Foundation
@testable import MergeKitHub
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// `validate` and `plan` on Hub models: config, index and every shard header, without weights.
@Suite struct HeaderOnlyReadTests {
    @Test func threeModelsCostWellUnderOnePercentOfTheirWeights() async throws {
        var repositories: [StandInRepository] = []
        var allFiles: [String: [String: Data]] = [:]
        for (position, name) in ["org/base", "org/ft-a", "org/ft-b"].enumerated() {
            let files = try HubFixtures.llamaFiles(seed: UInt64(position + 1), hidden: 128, vocab: 1024)
            let commit = HubFixtures.commit(name)
            repositories.append(StandInRepository(id: name, commits: [(commit, files)], refs: ["main": commit]))
            allFiles[name] = files
        }
        let standIn = try HubStandIn(repositories)
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)

        var weightBytes = 0
        var reported = 0
        for (name, files) in allFiles {
            let model = try await store.resolve(try HubModelReference.parse(name))
            let checkpoint = try await store.readCheckpoint(of: model)
            #expect(checkpoint.config == (try JSONParser.parse(Array(try #require(files["config.json"])))))
            #expect(checkpoint.index?.shardFiles.sorted() == HubFixtures.weightFiles(files))
            #expect(checkpoint.shards.map(\.file) == checkpoint.index?.shardFiles)
            for shard in checkpoint.shards {
                let data = try #require(files[shard.file])
                let local = try data.withUnsafeBytes { bytes in
                    try SafetensorsHeader.parse(fileBytes: bytes, file: shard.file)
                }
                #expect(shard.header.tensors == local.tensors && shard.size == data.count)
                #expect(shard.sha256 == HubFixtures.sha256(data))
            }
            weightBytes += checkpoint.weightBytes
            reported += checkpoint.bytesTransferred
        }
        let stats = try await standIn.stats()
        #expect(stats.totalBytes - (stats.body_bytes["api"] ?? 0) == reported, "config, index and headers")
        #expect(Double(stats.totalBytes) < 0.01 * Double(weightBytes),
                "served \(stats.totalBytes) bytes for \(weightBytes) bytes of weights")
        let weightReads = stats.requests.filter { $0.path.hasPrefix("/cdn/") }
        #expect(weightReads.count == 2 * 9, "two range reads per shard")
        #expect(weightReads.allSatisfy { $0.method == "GET" && $0.range != nil })
    }

    @Test func aSingleFileModelAndABrokenHeader() async throws {
        var files = try HubFixtures.llamaFiles(seed: 4, shards: 1)
        let commit = HubFixtures.commit("single")
        var broken = files
        var bytes = try #require(broken["model.safetensors"])
        bytes[8] = UInt8(ascii: "[")
        broken["model.safetensors"] = bytes
        files["README.md"] = Data("card".utf8)
        let standIn = try HubStandIn([
            StandInRepository(id: "org/single", commits: [(commit, files)], refs: ["main": commit]),
            StandInRepository(id: "org/broken", commits: [(commit, broken)], refs: ["main": commit]),
        ])
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
        let single = try await store.readCheckpoint(of: try await store.resolve(try HubModelReference.parse("org/single")))
        #expect(single.index == nil && single.shards.map(\.file) == ["model.safetensors"])
        #expect(try await store.weightFiles(of: try await store.resolve(try HubModelReference.parse("org/single"))) == ["model.safetensors"])

        let model = try await store.resolve(try HubModelReference.parse("org/broken"))
        let error = await #expect(throws: HubError.self) { try await store.readCheckpoint(of: model) }
        guard case .invalidFile(_, let file, let problem) = error else {
            Issue.record("expected invalidFile, got \(String(describing: error))")
            return
        }
        #expect(file == "model.safetensors" && problem.contains("JSON"), "\(problem)")
    }

    @Test func cachedShardsAreReadLocally() async throws {
        let files = try HubFixtures.llamaFiles(seed: 5)
        let commit = HubFixtures.commit("cached")
        let standIn = try HubStandIn([StandInRepository(id: "org/model", commits: [(commit, files)], refs: ["main": commit])])
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await store.download(Array(files.keys), of: model)
        try await standIn.reset()
        let checkpoint = try await store.readCheckpoint(of: model)
        #expect(checkpoint.bytesTransferred == 0 && checkpoint.shards.count == 3)
        #expect(try await standIn.stats().requests.isEmpty)
    }
}
