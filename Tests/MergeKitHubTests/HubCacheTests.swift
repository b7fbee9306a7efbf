import Foundation
@testable import MergeKitHub
import MergeKitRecipe
import MergeKitTestSupport
import Testing

@Suite struct HubCacheTests {
    @Test func snapshotsLinkRelativelyIntoBlobs() throws {
        let directory = try TemporaryDirectory()
        let folder = HubCache(root: directory.path).repository(try #require(HubRepoID("org/name")))
        let commit = HubFixtures.commit("one")
        try HubCacheRepository.createDirectory(folder.folder + "/blobs")
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder.blobPath(etag: "abc")))
        try folder.linkSnapshot(commit: commit, file: "config.json", toBlob: "abc")
        try folder.linkSnapshot(commit: commit, file: "sub/dir/file.json", toBlob: "abc")
        let manager = FileManager.default
        #expect(try manager.destinationOfSymbolicLink(atPath: folder.snapshotPath(commit: commit, file: "config.json")) == "../../blobs/abc")
        #expect(try manager.destinationOfSymbolicLink(atPath: folder.snapshotPath(commit: commit, file: "sub/dir/file.json")) == "../../../../blobs/abc")
        #expect(folder.cachedFile(commit: commit, file: "sub/dir/file.json") != nil)
        #expect(folder.snapshotFiles(commit: commit) == ["config.json", "sub/dir/file.json"])
        #expect(folder.blobName(commit: commit, file: "config.json") == "abc")
        #expect(folder.folder == directory.path + "/models--org--name")
        #expect(folder.lockPath(etag: "abc") == directory.path + "/.locks/models--org--name/abc.lock")
    }

    @Test func refsAndMissingMarkers() throws {
        let directory = try TemporaryDirectory()
        let folder = HubCache(root: directory.path).repository(try #require(HubRepoID("org/name")))
        let commit = HubFixtures.commit("two")
        #expect(folder.commit(forRevision: "main") == nil)
        #expect(folder.commit(forRevision: commit) == commit)
        try folder.recordRevision("main", commit: commit)
        try folder.recordRevision("refs/pr/1", commit: commit)
        #expect(try String(contentsOfFile: directory.path + "/models--org--name/refs/main", encoding: .utf8) == commit)
        #expect(folder.commit(forRevision: "refs/pr/1") == commit)
        #expect(!folder.isKnownMissing(commit: commit, file: "adapter_config.json"))
        folder.markMissing(commit: commit, file: "adapter_config.json")
        #expect(folder.isKnownMissing(commit: commit, file: "adapter_config.json"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/models--org--name/.no_exist/\(commit)/adapter_config.json"))
    }
}
