import Foundation
import MergeKitTestSupport
import Testing

/// Interrupted merges, as a user meets them: the process killed (SIGKILL) or stopped (SIGTERM)
/// partway, then `apply --resume`. The result must be byte-identical to an uninterrupted run.
@Suite(.serialized) struct ResumeTests {
    /// A family large enough that a merge takes a moment, so the test can stop it partway.
    static func makeFamily(in directory: String) throws -> String {
        let config = TinyCheckpoint.llamaConfig(layers: 12, hidden: 256, intermediate: 1024, vocab: 512, dtype: .f32)
        for (name, seed) in [("base", UInt64(1)), ("ft_a", 2), ("ft_b", 3)] {
            let tensors = TinyCheckpoint.llama(layers: 12, hidden: 256, intermediate: 1024, vocab: 512, dtype: .f32, seed: seed)
            try TinyCheckpoint.write(tensors, to: directory + "/" + name, config: config)
        }
        let recipe = directory + "/recipe.yaml"
        try """
            merge_method: dare_ties
            base_model: ./base
            models:
              - model: ./ft_a
                parameters: {weight: 1.0, density: 0.3}
              - model: ./ft_b
                parameters: {weight: 0.7, density: 0.3}
            seed: 7
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    static func shardBytes(_ directory: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory + "/model.safetensors"))
    }

    /// Starts `apply`, waits until the journal lists `tensors` finished tensors, then sends `signal`.
    static func interrupt(recipe: String, output: String, signal: Int32, afterTensors tensors: Int, in directory: String) throws -> CommandLineTool.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTool.executable)
        process.arguments = ["apply", recipe, "-o", output, "--threads", "1", "--memory-budget", "1MB"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let journal = output + ".partial/.mergekit-journal"
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            let lines = (try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines > tensors { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, signal)
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(status: process.terminationStatus, stdout: "", stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test(arguments: [SIGKILL, SIGTERM])
    func resumedRunEqualsUninterruptedRun(_ signal: Int32) throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.makeFamily(in: directory.path)
        let reference = directory.path + "/reference"
        let clean = try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path)
        try #require(clean.status == 0, "\(clean.stderr)")

        let output = directory.path + "/out"
        let stopped = try Self.interrupt(recipe: recipe, output: output, signal: signal, afterTensors: 10, in: directory.path)
        #expect(!FileManager.default.fileExists(atPath: output), "an interrupted run must not look complete")
        try #require(FileManager.default.fileExists(atPath: output + ".partial"), "the run finished before it could be stopped")
        if signal == SIGTERM {
            #expect(stopped.status == 128 + SIGTERM)
            #expect(stopped.stderr.contains("interrupted by SIGTERM"), "\(stopped.stderr)")
            #expect(stopped.stderr.contains("--resume"))
        }

        let refused = try CommandLineTool.run(["apply", recipe, "-o", output], in: directory.path)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("pass --resume to continue it"))

        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed"), "\(resumed.stdout)")
        #expect(try Self.shardBytes(output) == Self.shardBytes(reference))
        #expect(!FileManager.default.fileExists(atPath: output + "/.mergekit-journal"))
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
    }

    @Test func aDamagedTensorIsRecomputedOnResume() throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.makeFamily(in: directory.path)
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        let output = directory.path + "/out"
        _ = try Self.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 6, in: directory.path)
        let shard = output + ".partial/model.safetensors"
        try #require(FileManager.default.fileExists(atPath: shard))
        // Scribble over the start of the data section: the first tensors' bytes no longer match
        // their journaled checksums.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: shard))
        let header = try Self.headerLength(shard)
        try handle.seek(toOffset: UInt64(8 + header))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096))
        try handle.close()

        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.shardBytes(output) == Self.shardBytes(reference))
    }

    @Test func resumeWithADifferentRecipeStartsOver() throws {
        let directory = try TemporaryDirectory()
        let recipe = try Self.makeFamily(in: directory.path)
        let output = directory.path + "/out"
        _ = try Self.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 6, in: directory.path)
        try #require(FileManager.default.fileExists(atPath: output + ".partial"))
        var text = try String(contentsOfFile: recipe, encoding: .utf8)
        text = text.replacingOccurrences(of: "seed: 7", with: "seed: 8")
        try text.write(toFile: recipe, atomically: true, encoding: .utf8)
        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains("resumed"), "a journal of another plan must not be trusted")
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        #expect(try Self.shardBytes(output) == Self.shardBytes(reference))
    }

    static func headerLength(_ path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8)
        return data.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }
}
