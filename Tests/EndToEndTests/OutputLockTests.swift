import Foundation
import MergeKitTestSupport
import Testing

/// One run per output: `apply` holds an exclusive lock (`flock` on `<out>.lock`) for the whole
/// run; a second run fails at once naming the holder's pid, and a lock left by a dead run never
/// blocks (the kernel releases a dead process's locks).
@Suite(.serialized) struct OutputLockTests {
    @Test func aSecondRunOnTheSameOutputFailsNamingTheFirst() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let output = directory.path + "/out"
        let first = try CommandLineTool.start(
            ["apply", recipe, "-o", output, "--threads", "1", "--memory-budget", "1MB"], in: directory.path)
        let journal = output + ".partial/.mergekit-journal"
        let deadline = Date().addingTimeInterval(60)
        while first.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 4 {
            usleep(2_000)
        }
        try #require(first.isRunning, "the first run finished before the second could start")
        let second = try CommandLineTool.run(["apply", recipe, "-o", output, "--force"], in: directory.path, timeLimit: .seconds(60))
        let firstResult = first.wait()
        #expect(second.status == 1, "\(second.stderr)")
        #expect(second.stderr.contains("pid \(first.pid)"), "\(second.stderr)")
        #expect(firstResult.status == 0, "the first run must not be disturbed: \(firstResult.stderr)")

        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))
        #expect(!FileManager.default.fileExists(atPath: output + ".lock"))
    }

    /// A lock held by a live process (here: this test) refuses the run and names its pid.
    @Test func aHeldLockRefusesTheRunNamingItsHolder() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let lock = open(directory.path + "/out.lock", O_RDWR | O_CREAT, 0o644)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(lock, $0.baseAddress, $0.count) }
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path, timeLimit: .seconds(60))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("pid \(getpid())"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out.partial"))
    }

    /// A lock file left by a run that died (no process holds the lock) does not block.
    @Test func aStaleLockFileDoesNotBlock() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        try "999999999\n".write(toFile: directory.path + "/out.lock", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path, timeLimit: .seconds(60))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/out/model.safetensors"))
    }

    /// A file named like the lock that is not one is left alone.
    @Test func aFileNamedLikeTheLockIsNotEmptied() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        try "my notes".write(toFile: directory.path + "/out.lock", atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path, timeLimit: .seconds(60))
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("out.lock"), "\(result.stderr)")
        #expect(try String(contentsOfFile: directory.path + "/out.lock", encoding: .utf8) == "my notes")
    }
}
