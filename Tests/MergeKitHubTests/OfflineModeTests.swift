import Foundation
@testable import MergeKitHub
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// HF_HUB_OFFLINE=1: everything from the cache, nothing from the network.
@Suite struct OfflineModeTests {
    @Test func aFilledCacheServesEverythingWithoutTheNetwork() async throws {
        let files = try HubFixtures.llamaFiles(seed: 2)
        let commit = HubFixtures.commit("offline")
        let standIn = try HubStandIn([StandInRepository(id: "org/model", commits: [(commit, files)], refs: ["main": commit, "v1": commit])])
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let online = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
        let filled = try await online.resolve(try HubModelReference.parse("org/model"))
        try await online.download(Array(files.keys), of: filled)
        try await standIn.reset()

        // An endpoint nobody listens on: any request would fail.
        var configuration = standIn.configuration(cache: cache.path, offline: true)
        configuration.endpoint = try #require(URL(string: "http://127.0.0.1:9"))
        let offline = HubModelStore(configuration: configuration, progress: .silent)
        let model = try await offline.resolve(try HubModelReference.parse("org/model"))
        #expect(model.commit == commit && model.origin == .offlineCache)
        #expect(Set(model.files.map(\.path)) == Set(files.keys))
        let shard = "model-00001-of-00003.safetensors"
        #expect(model.file(shard)?.sha256 == HubFixtures.sha256(try #require(files[shard])))
        #expect(model.file(shard)?.size == files[shard]?.count)
        let snapshot = try await offline.download(Array(files.keys), of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == files[shard])
        let checkpoint = try await offline.readCheckpoint(of: model)
        #expect(checkpoint.shards.count == 3 && checkpoint.bytesTransferred == 0)
        #expect(try await offline.resolve(try HubModelReference.parse("org/model@\(commit)")).commit == commit)
        #expect(try await standIn.stats().requests.isEmpty)
    }

    @Test func whatIsMissingIsNamedWithWhereItWasLooked() async throws {
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        let configuration = HubConfiguration(cacheDirectory: cache.path, endpoint: try #require(URL(string: "http://127.0.0.1:9")), isOffline: true)
        let store = HubModelStore(configuration: configuration, progress: .silent)
        let repo = try #require(HubRepoID("org/model"))
        let error = await #expect(throws: HubError.self) { try await store.resolve(try HubModelReference.parse("org/model@v2")) }
        #expect(error == .notInCache(repo, revision: "v2", file: nil, lookedIn: cache.path + "/models--org--model/refs/v2"))
        #expect(error?.description == "revision 'v2' of 'org/model' is not in the Hugging Face cache and HF_HUB_OFFLINE is set (looked in \(cache.path)/models--org--model/refs/v2)")

        let commit = HubFixtures.commit("partial")
        let folder = store.cache.repository(repo)
        try folder.recordRevision("main", commit: commit)
        try HubCacheRepository.createDirectory(folder.folder + "/blobs")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder.blobPath(etag: "abc")))
        try folder.linkSnapshot(commit: commit, file: "config.json", toBlob: "abc")
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        let missing = await #expect(throws: HubError.self) { try await store.download(["config.json", "model.safetensors"], of: model) }
        #expect(missing == .notInCache(repo, revision: "main", file: "model.safetensors",
                                       lookedIn: folder.snapshotPath(commit: commit, file: "model.safetensors")))
    }

    @Test func anUnreachableHubFallsBackToTheCacheLikeHuggingfaceHub() async throws {
        let cache = try TemporaryDirectory(prefix: "hub-cache")
        var configuration = HubConfiguration(cacheDirectory: cache.path, endpoint: try #require(URL(string: "http://127.0.0.1:9")))
        configuration.retry = RetryPolicy(attempts: 2, initialDelay: .milliseconds(10), maximumDelay: .milliseconds(10))
        let store = HubModelStore(configuration: configuration, progress: .silent)
        let repo = try #require(HubRepoID("org/model"))
        let unreachable = await #expect(throws: HubError.self) { try await store.resolve(try HubModelReference.parse("org/model")) }
        guard case .transport = unreachable else {
            Issue.record("expected a transport error, got \(String(describing: unreachable))")
            return
        }
        let commit = HubFixtures.commit("fallback")
        let folder = store.cache.repository(repo)
        try folder.recordRevision("main", commit: commit)
        try HubCacheRepository.createDirectory(folder.snapshotFolder(commit: commit))
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        #expect(model.commit == commit)
        guard case .cacheAfterNetworkFailure = model.origin else {
            Issue.record("expected the cache fallback, got \(model.origin)")
            return
        }
        let missing = await #expect(throws: HubError.self) { try await store.download(["config.json"], of: model) }
        #expect(missing?.description.hasPrefix(
            "file 'config.json' of 'org/model' is not in the Hugging Face cache (looked in \(folder.snapshotPath(commit: commit, file: "config.json"))), and the Hub cannot be reached: cannot reach http://127.0.0.1:9/api/models/org/model/revision/main?blobs=true: ") == true,
            "\(String(describing: missing))")
    }
}
