import Foundation
@testable import MergeKitHub
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// Downloads against the stand-in: what lands in the cache, revisions, access errors, and
/// recovery from dropped connections, corrupted bodies and server errors.
@Suite struct HubDownloadTests {
    let files: [String: Data]
    let commit = HubFixtures.commit("main")
    let standIn: HubStandIn
    let cache: TemporaryDirectory

    init() throws {
        files = try HubFixtures.llamaFiles(seed: 1)
        standIn = try HubStandIn([StandInRepository(id: "org/model", commits: [(commit, files)], refs: ["main": commit])])
        cache = try TemporaryDirectory(prefix: "hub-cache")
    }

    func store(withToken: Bool = false, offline: Bool = false) -> HubModelStore {
        HubModelStore(configuration: standIn.configuration(cache: cache.path, withToken: withToken, offline: offline), progress: .silent)
    }

    @Test func aFullDownloadIsTheFilesInHuggingfaceHubsLayout() async throws {
        let store = store(withToken: true)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        #expect(model.commit == commit && model.origin == .hub)
        #expect(Set(model.files.map(\.path)) == Set(files.keys))
        let snapshot = try await store.download(Array(files.keys), of: model)
        #expect(snapshot == cache.path + "/models--org--model/snapshots/\(commit)")
        for (name, data) in files {
            #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + name)) == data, "\(name)")
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: snapshot + "/" + name)
            if name.hasSuffix(".safetensors") {
                #expect(target == "../../blobs/" + HubFixtures.sha256(data), "LFS blobs are named by sha256")
            } else {
                #expect(target.hasPrefix("../../blobs/") && target.count == "../../blobs/".count + 40, "git blob id")
            }
        }
        #expect(try String(contentsOfFile: cache.path + "/models--org--model/refs/main", encoding: .utf8) == commit)
        #expect(FileManager.default.fileExists(atPath: cache.path + "/CACHEDIR.TAG"))
        let stats = try await standIn.stats()
        #expect(stats.cdnBytes == HubFixtures.weightFiles(files).reduce(0) { $0 + (files[$1]?.count ?? 0) })
        let cdnRequests = stats.requests.filter { $0.path.hasPrefix("/cdn/") }
        #expect(!cdnRequests.isEmpty && cdnRequests.allSatisfy { !$0.authorization }, "the token never goes to the CDN")
        #expect(stats.requests.filter { $0.path.contains("/resolve/") }.allSatisfy { $0.authorization })

        try await standIn.reset()
        let again = try await store.download(Array(files.keys), of: model)
        #expect(again == snapshot)
        #expect(try await standIn.stats().requests.isEmpty, "a cached snapshot needs no request")
    }

    @Test func revisionsPinCommits() async throws {
        let old = HubFixtures.commit("old")
        var oldFiles = files
        oldFiles["config.json"] = Data(#"{"num_hidden_layers": 2, "old": true}"#.utf8)
        let standIn = try HubStandIn([StandInRepository(
            id: "org/model", commits: [(commit, files), (old, oldFiles)], refs: ["main": commit, "v1": old])])
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
        for written in ["org/model@v1", "org/model@\(old)"] {
            let model = try await store.resolve(try HubModelReference.parse(written))
            #expect(model.commit == old, "\(written)")
            let snapshot = try await store.download(["config.json"], of: model)
            #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/config.json")) == oldFiles["config.json"])
        }
        let main = try await store.resolve(try HubModelReference.parse("org/model"))
        #expect(main.commit == commit)
        let folder = store.cache.repository(try #require(HubRepoID("org/model")))
        #expect(folder.commit(forRevision: "v1") == old && folder.commit(forRevision: "main") == commit)
        #expect(!FileManager.default.fileExists(atPath: folder.refPath(old)), "a commit is not recorded as a ref")
    }

    @Test func gatedRepositoriesNeedTheToken() async throws {
        let standIn = try HubStandIn([StandInRepository(id: "org/gated", gated: true, commits: [(commit, files)], refs: ["main": commit])])
        let reference = try HubModelReference.parse("org/gated")
        let anonymous = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
        let model = try await anonymous.resolve(reference)
        let error = await #expect(throws: HubError.self) { try await anonymous.download(["config.json"], of: model) }
        #expect(error == .accessDenied(try #require(HubRepoID("org/gated")), status: 401, gated: true, tokenSent: nil,
                                       serverMessage: "Access to model org/gated is restricted. You must have access to it and be authenticated to access it. Please log in."))
        #expect(error?.description.contains("pass a token: set HF_TOKEN=hf_..., or log in with `hf auth login`") == true)

        var wrong = standIn.configuration(cache: cache.path)
        wrong.token = HubToken(value: "hf_wrong", source: .file("/home/u/.cache/huggingface/token"))
        let refused = await #expect(throws: HubError.self) {
            try await HubModelStore(configuration: wrong, progress: .silent).download(["config.json"], of: model)
        }
        #expect(refused?.description.contains("with the token from the token file /home/u/.cache/huggingface/token") == true)

        let authorized = HubModelStore(configuration: standIn.configuration(cache: cache.path, withToken: true), progress: .silent)
        let snapshot = try await authorized.download(["config.json", "model-00001-of-00003.safetensors"], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/config.json")) == files["config.json"])
    }

    @Test func missingRepositoriesRevisionsAndFilesAreDistinctErrors() async throws {
        let store = store()
        let repo = try #require(HubRepoID("org/model"))
        let noRepo = await #expect(throws: HubError.self) { try await store.resolve(try HubModelReference.parse("org/nothing")) }
        #expect(noRepo == .repositoryNotFound(try #require(HubRepoID("org/nothing")), tokenSent: nil))
        #expect(noRepo?.description.contains("if it is private or gated, pass a token") == true)
        let noRevision = await #expect(throws: HubError.self) { try await store.resolve(try HubModelReference.parse("org/model@v9")) }
        #expect(noRevision == .revisionNotFound(repo, revision: "v9"))

        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        let notListed = await #expect(throws: HubError.self) { try await store.download(["adapter_config.json"], of: model) }
        #expect(notListed == .fileNotFound(repo, revision: "main", file: "adapter_config.json"))
        // A file the listing has but the server then denies is recorded as missing, as huggingface_hub does.
        let stale = ResolvedHubModel(reference: model.reference, commit: commit,
                                     files: model.files + [HubRepoFile(path: "gone.json", size: 3, sha256: nil, blobID: nil)], origin: .hub)
        let gone = await #expect(throws: HubError.self) { try await store.download(["gone.json"], of: stale) }
        #expect(gone == .fileNotFound(repo, revision: commit, file: "gone.json"))
        #expect(store.cache.repository(repo).isKnownMissing(commit: commit, file: "gone.json"))
    }

    @Test func aDroppedConnectionResumesWhereItStopped() async throws {
        let shard = "model-00002-of-00003.safetensors"
        let data = try #require(files[shard])
        let store = store()
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await standIn.fault("drop", sha256: HubFixtures.sha256(data), after: data.count / 3)
        let snapshot = try await store.download([shard], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == data)
        let stats = try await standIn.stats()
        let ranges = stats.requests.filter { $0.path.hasPrefix("/cdn/") }.map(\.range)
        #expect(ranges == [nil, "bytes=\(data.count / 3)-"])
        #expect(stats.cdnBytes == data.count, "nothing was downloaded twice")
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/models--org--model/blobs/\(HubFixtures.sha256(data)).incomplete"))
    }

    /// A file larger than a chunk comes in bounded ranges (memory stays bounded whatever the
    /// file's size), all but the first asked of the CDN address directly; a connection dropped
    /// within a range resumes there, and a corrupted range makes the whole file come again.
    @Test func largeFilesComeInBoundedRanges() async throws {
        let shard = "model-00002-of-00003.safetensors"
        let data = try #require(files[shard])
        let chunk = data.count / 3 - 17
        var configuration = standIn.configuration(cache: cache.path)
        configuration.downloadChunkBytes = chunk
        let store = HubModelStore(configuration: configuration, progress: .silent)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await standIn.reset()
        let snapshot = try await store.download([shard], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == data)
        let stats = try await standIn.stats()
        #expect(stats.requests.filter { $0.path.hasPrefix("/cdn/") }.map(\.range) == [
            "bytes=0-\(chunk - 1)", "bytes=\(chunk)-\(2 * chunk - 1)", "bytes=\(2 * chunk)-\(3 * chunk - 1)", "bytes=\(3 * chunk)-",
        ])
        #expect(stats.requests.filter { $0.path.contains("/resolve/") }.count == 1, "the Hub is asked once per file")
        #expect(stats.cdnBytes == data.count)

        let other = "model-00003-of-00003.safetensors"
        let otherData = try #require(files[other])
        try await standIn.reset()
        // The fault hits the first request of the file, the range from 0: cut after chunk / 2.
        try await standIn.fault("drop", sha256: HubFixtures.sha256(otherData), after: chunk / 2)
        let resumed = try await store.download([other], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: resumed + "/" + other)) == otherData)
        let ranges = try await standIn.stats().requests.filter { $0.path.hasPrefix("/cdn/") }.map(\.range)
        #expect(ranges.prefix(2) == ["bytes=0-\(chunk - 1)", "bytes=\(chunk / 2)-\(chunk / 2 + chunk - 1)"], "\(ranges)")
    }

    /// A CDN address refused during a download (a signed URL that expired) is asked of the Hub
    /// again, once per refusal without progress; a refusal that persists is an error.
    @Test func aRefusedCDNAddressIsAskedAgain() async throws {
        let shard = "model-00001-of-00003.safetensors"
        let data = try #require(files[shard])
        let store = store()
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await standIn.reset()
        try await standIn.fault("status", sha256: HubFixtures.sha256(data), code: 403)
        let snapshot = try await store.download([shard], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == data)
        #expect(try await standIn.stats().requests.filter { $0.path.contains("/resolve/") }.count == 2)

        let other = "model-00002-of-00003.safetensors"
        try await standIn.fault("status", sha256: HubFixtures.sha256(try #require(files[other])), code: 403, count: 10)
        await #expect(throws: HubError.self) { try await store.download([other], of: model) }
    }

    @Test func aCorruptedBodyIsDetectedAndDownloadedAgain() async throws {
        let shard = "model-00001-of-00003.safetensors"
        let data = try #require(files[shard])
        let store = store()
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await standIn.fault("corrupt", sha256: HubFixtures.sha256(data))
        let snapshot = try await store.download([shard], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == data)
        #expect(try await standIn.stats().cdnBytes == 2 * data.count)

        try await standIn.fault("corrupt", sha256: HubFixtures.sha256(try #require(files["model-00003-of-00003.safetensors"])), count: 10)
        let error = await #expect(throws: HubError.self) { try await store.download(["model-00003-of-00003.safetensors"], of: model) }
        guard case .integrity(_, let file, _, _) = error else {
            Issue.record("expected an integrity error, got \(String(describing: error))")
            return
        }
        #expect(file == "model-00003-of-00003.safetensors")
    }

    @Test func serverErrorsAreRetried() async throws {
        let shard = "model-00003-of-00003.safetensors"
        let data = try #require(files[shard])
        let store = store()
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await standIn.fault("status", sha256: HubFixtures.sha256(data), code: 503, count: 2)
        let snapshot = try await store.download([shard], of: model)
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == data)
    }

    @Test func anIncompleteFileFromAnEarlierRunIsResumed() async throws {
        let shard = "model-00002-of-00003.safetensors"
        let data = try #require(files[shard])
        let store = store()
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        let folder = store.cache.repository(model.repo)
        let sha = HubFixtures.sha256(data)
        try HubCacheRepository.createDirectory(folder.folder + "/blobs")
        try data.prefix(1000).write(to: URL(fileURLWithPath: folder.incompletePath(etag: sha)))
        let plan = try store.downloadPlan([shard, "config.json"], of: model)
        #expect(plan.bytesToDownload == data.count - 1000 + (files["config.json"]?.count ?? 0))
        try plan.checkDiskSpace()
        try await store.download([shard], of: model)
        #expect(try await standIn.stats().cdnBytes == data.count - 1000)
        #expect(try FileHasher.sha256(ofFile: folder.blobPath(etag: sha)).digest == sha)
        #expect(try store.downloadPlan([shard], of: model).bytesToDownload == 0)
    }

    @Test func aDownloadThatDoesNotFitIsRefusedBeforeItStarts() throws {
        let model = ResolvedHubModel(reference: try HubModelReference.parse("org/model"), commit: commit, files: [], origin: .hub)
        let plan = HubDownloadPlan(model: model, items: [.init(file: "model.safetensors", size: 5_000_000_000, bytesToDownload: 5_000_000_000)],
                                   availableBytes: 1_200_000_000, cacheDirectory: "/cache")
        let error = #expect(throws: HubError.self) { try plan.checkDiskSpace() }
        #expect(error?.description.hasPrefix("the download needs 5.00 GB but the disk holding /cache has 1.20 GB free; nothing was downloaded") == true)
        let small = HubDownloadPlan(model: model, items: [.init(file: "config.json", size: 700_000_000, bytesToDownload: 700_000_000)],
                                    availableBytes: 1_200_000_000, cacheDirectory: "/cache")
        try HubDownloadPlan.checkDiskSpace([small])
        let withOutput = #expect(throws: HubError.self) { try HubDownloadPlan.checkDiskSpace([small], outputBytes: 600_000_000) }
        #expect(withOutput?.description.hasPrefix("the download needs 700 MB (and the output 600 MB more on the same disk) but") == true)
        let cached = HubDownloadPlan(model: model, items: [.init(file: "config.json", size: 700, bytesToDownload: 0)],
                                     availableBytes: 0, cacheDirectory: "/cache")
        try HubDownloadPlan.checkDiskSpace([cached], outputBytes: 600_000_000)
    }

    @Test func progressLinesWhenNotATerminal() async throws {
        let lines = LineCollector()
        let output = ProgressOutput(isTerminal: false, interval: .zero) { lines.append($0) }
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: output)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        try await store.download(HubFixtures.weightFiles(files), of: model)
        let text = lines.text
        #expect(text.contains("downloading org/model: "))
        #expect(text.contains(" of "))
        #expect(text.contains("/s"))
        #expect(text.hasSuffix("/s)\n") && text.contains("downloading org/model: downloaded "))
        #expect(!text.contains("\r"))
    }
}

/// Collects progress output from any thread.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = ""

    func append(_ text: String) {
        lock.lock()
        collected += text
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}
