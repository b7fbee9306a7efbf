import Foundation
@testable import MergeKitHub
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// The per-blob lock, shared with huggingface_hub (py-filelock's flock on
/// `.locks/models--org--name/<etag>.lock`): two downloaders of one blob never both write it.
@Suite struct BlobLockTests {
    let files: [String: Data]
    let commit = HubFixtures.commit("lock")
    let shard = "model-00002-of-00003.safetensors"
    let standIn: HubStandIn
    let cache: TemporaryDirectory

    init() throws {
        files = try HubFixtures.llamaFiles(seed: 3)
        standIn = try HubStandIn([StandInRepository(id: "org/model", commits: [(commit, files)], refs: ["main": commit])])
        cache = try TemporaryDirectory(prefix: "hub-cache")
    }

    func store() -> HubModelStore {
        HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: .silent)
    }

    /// Another process (written like huggingface_hub) holds the lock and writes the blob; we
    /// wait for it and then use its blob without downloading anything.
    @Test func weWaitForAnotherProcessAndUseItsBlob() async throws {
        let data = try #require(files[shard])
        let sha = HubFixtures.sha256(data)
        let source = cache.path + "/source"
        try data.write(to: URL(fileURLWithPath: source))
        let folder = store().cache.repository(try #require(HubRepoID("org/model")))
        let peer = try LockPeer(["hold", folder.lockPath(etag: sha), source, folder.blobPath(etag: sha)])
        try peer.waitFor("locked")

        let lines = LineCollector()
        let output = ProgressOutput(isTerminal: false, interval: .seconds(60)) { lines.append($0) }
        let store = HubModelStore(configuration: standIn.configuration(cache: cache.path), progress: output)
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        let download = Task { try await store.download([shard], of: model) }
        let waiting = "org/model/\(shard): waiting for another process that is downloading it"
        let deadline = ContinuousClock.now + .seconds(60)
        while !lines.text.contains(waiting), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(lines.text.contains(waiting), "the download waits for the lock")
        try peer.send("release")
        let snapshot = try await download.value
        try peer.waitFor("released")
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot + "/" + shard)) == data)
        #expect(try await standIn.stats().cdnBytes == 0, "the blob the other process wrote was used")
    }

    /// While we write a blob, another process sees the lock taken; a cancelled download
    /// releases it and leaves its partial file to resume.
    @Test func anotherProcessSeesOurLock() async throws {
        let data = try #require(files[shard])
        let sha = HubFixtures.sha256(data)
        // About ten minutes of download: it is cancelled long before, even on a machine so
        // loaded that starting the probe process takes half a minute.
        try await standIn.throttle(bytesPerSecond: max(1, data.count / 600))
        let store = store()
        let model = try await store.resolve(try HubModelReference.parse("org/model"))
        let download = Task { try await store.download([shard], of: model) }
        let folder = store.cache.repository(model.repo)
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? FileStatus.of(folder.incompletePath(etag: sha)).get().size) ?? 0 == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try LockPeer(["probe", folder.lockPath(etag: sha)]).readLine() == "busy")
        download.cancel()
        let result = await download.result
        guard case .failure(let error) = result, error as? HubError == .cancelled else {
            Issue.record("expected the download to be cancelled, got \(result)")
            return
        }
        #expect(try LockPeer(["probe", folder.lockPath(etag: sha)]).readLine() == "free")
        #expect(FileManager.default.fileExists(atPath: folder.incompletePath(etag: sha)), "kept to resume")
        let permissions = try FileManager.default.attributesOfItem(atPath: folder.lockPath(etag: sha))[.posixPermissions] as? Int
        #expect(permissions == 0o664, "group-writable, as filelock makes it")
    }

    /// Two downloaders of one blob at once (separate open files, as in two processes): one
    /// downloads, the other waits and links the finished blob.
    @Test func twoDownloadersOfOneBlobFetchItOnce() async throws {
        let data = try #require(files[shard])
        try await standIn.throttle(bytesPerSecond: data.count * 2)
        let first = store()
        let second = store()
        let model = try await first.resolve(try HubModelReference.parse("org/model"))
        async let a = first.download([shard], of: model)
        async let b = second.download([shard], of: model)
        let (pathA, pathB) = try await (a, b)
        #expect(pathA == pathB)
        #expect(try Data(contentsOf: URL(fileURLWithPath: pathA + "/" + shard)) == data)
        #expect(try await standIn.stats().cdnBytes == data.count)
    }
}

/// StandIn/lock_peer.py running in another process.
final class LockPeer {
    private let process = Process()
    private let output = Pipe()
    private let input = Pipe()
    private var buffered = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", HubStandIn.scripts + "/lock_peer.py"] + arguments
        process.standardOutput = output
        process.standardInput = input
        try process.run()
    }

    func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func readLine() throws -> String {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw StandInError("lock_peer.py ended without a line") }
            buffered.append(chunk)
        }
    }

    func waitFor(_ expected: String) throws {
        let line = try readLine()
        guard line == expected else { throw StandInError("lock_peer.py said '\(line)', expected '\(expected)'") }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
