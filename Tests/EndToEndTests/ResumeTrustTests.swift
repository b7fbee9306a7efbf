import Foundation
import MergeKitTestSupport
import Testing

/// What `--resume` may trust. A journal is trusted only for the same inputs (identified by
/// content, not by name, size and mtime), and a damaged partial shard is repaired, not refused.
@Suite(.serialized) struct ResumeTrustTests {
    /// An input rewritten in place with other values of the same size, its mtime set back
    /// (`touch -r`): the journal must not be trusted.
    @Test func anInputChangedInPlaceWithItsMtimeSetBackIsNotTrusted() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let output = directory.path + "/out"
        _ = try ResumeTests.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 6, in: directory.path)
        try #require(FileManager.default.fileExists(atPath: output + ".partial"))

        let shard = directory.path + "/ft_a/model.safetensors"
        let times = try FileTimes.read(shard)
        try Self.overwriteInPlace(shard, with: Self.otherFineTune(in: directory.path))
        try FileTimes.write(times, to: shard)

        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains("resumed"), "a journal of other inputs was trusted: \(resumed.stdout)")
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))
    }

    /// A model directory that is a symlink, re-pointed to another version whose files have the
    /// same names, sizes and mtimes.
    @Test func aRepointedModelSymlinkIsNotTrusted() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let manager = FileManager.default
        try manager.moveItem(atPath: directory.path + "/ft_a", toPath: directory.path + "/ft_a-v1")
        try manager.createSymbolicLink(atPath: directory.path + "/ft_a", withDestinationPath: "ft_a-v1")
        let output = directory.path + "/out"
        _ = try ResumeTests.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 6, in: directory.path)
        try #require(manager.fileExists(atPath: output + ".partial"))

        try manager.copyItem(atPath: directory.path + "/ft_a-v1", toPath: directory.path + "/ft_a-v2")
        let shard = directory.path + "/ft_a-v2/model.safetensors"
        try Self.overwriteInPlace(shard, with: Self.otherFineTune(in: directory.path))
        try FileTimes.write(FileTimes.read(directory.path + "/ft_a-v1/model.safetensors"), to: shard)
        try manager.removeItem(atPath: directory.path + "/ft_a")
        try manager.createSymbolicLink(atPath: directory.path + "/ft_a", withDestinationPath: "ft_a-v2")

        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains("resumed"), "a journal of other inputs was trusted: \(resumed.stdout)")
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))
    }

    /// A partial shard cut short (a full disk, a copy gone wrong): resume restores its planned
    /// size and recomputes the tensors that no longer match their checksums.
    @Test func aTruncatedPartialShardIsRepaired() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        let output = directory.path + "/out"
        _ = try ResumeTests.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 12, in: directory.path)
        let shard = output + ".partial/model.safetensors"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: shard)[.size] as? Int)
        try #require(truncate(shard, off_t(size / 3)) == 0)

        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))
    }

    /// The fine-tune `ft_a` of `ResumeTests.makeFamily` with other values: same names, shapes
    /// and file size.
    static func otherFineTune(in directory: String) throws -> Data {
        let scratch = directory + "/scratch-ft"
        let config = TinyCheckpoint.llamaConfig(layers: 12, hidden: 256, intermediate: 1024, vocab: 512, dtype: .f32)
        let tensors = TinyCheckpoint.llama(layers: 12, hidden: 256, intermediate: 1024, vocab: 512, dtype: .f32, seed: 99)
        try TinyCheckpoint.write(tensors, to: scratch, config: config)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return try Data(contentsOf: URL(fileURLWithPath: scratch + "/model.safetensors"))
    }

    /// Rewrites a file's bytes without replacing the file (same inode).
    static func overwriteInPlace(_ path: String, with bytes: Data) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: bytes)
        try handle.truncate(atOffset: UInt64(bytes.count))
        try handle.close()
    }
}

/// A file's access and modification times to the nanosecond (what `touch -r` copies).
struct FileTimes {
    var access: timespec
    var modification: timespec

    static func read(_ path: String) throws -> FileTimes {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CocoaError(.fileReadUnknown) }
        return FileTimes(access: status.st_atim, modification: status.st_mtim)
    }

    static func write(_ times: FileTimes, to path: String) throws {
        let values = [times.access, times.modification]
        guard utimensat(AT_FDCWD, path, values, 0) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
