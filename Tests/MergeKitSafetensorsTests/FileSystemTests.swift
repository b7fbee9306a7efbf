import Foundation
import Glibc
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// The composite operations of the IO funnel: path resolution, tree removal that never follows
/// a link, special files that must not block, and a resumed shard cut short.
@Suite("File system funnel")
struct FileSystemTests {
    @Test func resolvedFollowsLinksAndKeepsAMissingTail() throws {
        let directory = try TemporaryDirectory()
        let real = FileSystem.resolved(directory.path)
        try FileManager.default.createDirectory(atPath: directory.file("target/inner"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link"), withDestinationPath: "target")
        #expect(FileSystem.resolved(directory.file("link/inner")) == real + "/target/inner")
        #expect(FileSystem.resolved(directory.file("link/missing/deeper")) == real + "/target/missing/deeper")
        #expect(FileSystem.resolved(directory.file("link/missing/../out")) == real + "/target/out")
        #expect(FileSystem.isSameOrInside(real + "/target/inner", real + "/target"))
        #expect(!FileSystem.isSameOrInside(real + "/target-2", real + "/target"))
    }

    @Test func removeTreeRemovesLinksNotTheirTargets() throws {
        let directory = try TemporaryDirectory()
        let outside = directory.file("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "keep".write(toFile: outside + "/keep.txt", atomically: true, encoding: .utf8)
        let tree = directory.file("tree")
        try #require(FileSystem.makeDirectories(tree + "/a/b").get() == ())
        try "x".write(toFile: tree + "/a/b/file", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: tree + "/a/to-outside", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: tree + "/a/to-file", withDestinationPath: outside + "/keep.txt")
        try FileSystem.removeTree(tree).get()
        #expect(!FileManager.default.fileExists(atPath: tree))
        #expect(FileManager.default.fileExists(atPath: outside + "/keep.txt"))
    }

    @Test func specialFilesAreRefusedWithoutBlocking() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("pipe")
        try #require(mkfifo(fifo, 0o644) == 0)
        #expect(throws: SafetensorsError(file: fifo, kind: .notARegularFile)) { try MappedFile(path: fifo) }
        #expect(throws: SafetensorsError(file: "/dev/zero", kind: .notARegularFile)) { try MappedFile(path: "/dev/zero") }
        #expect(try FileStatus.of(fifo).get().kind == .fifo)
    }

    @Test func aResumedShardCutShortGrowsBackToItsPlannedSize() throws {
        let directory = try TemporaryDirectory()
        let layout = try ShardLayout.plan([OutputTensorSpec(name: "w", dtype: .f32, shape: [1024])], maxShardBytes: 1 << 20)
        let shard = try #require(layout.shards.first)
        let path = directory.file(shard.fileName)
        try ShardFileWriter(path: path, plan: shard).finish()
        try #require(truncate(path, 100) == 0)
        try ShardFileWriter(resuming: path, plan: shard).finish()
        #expect(try FileStatus.of(path).get().size == shard.fileSize)
        let header = try SafetensorsFile(path: path).header
        #expect(header.tensors.map(\.name) == ["w"])
    }
}
