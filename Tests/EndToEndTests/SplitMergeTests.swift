import Foundation
import MergeKitTestSupport
import Testing

/// A merge split over K runs (`apply --part I/K`, all at once, as a job array would run them)
/// and published by `finalize` must be byte-identical to one `apply`; `finalize` must refuse,
/// naming the part, when a part is missing, was made from another recipe, or was damaged.
@Suite(.serialized) struct SplitMergeTests {
    /// Small shards, so the tiny models give the parts several shards each.
    static let shardSize = "20K"

    /// Every file of `directory` with its bytes (the same output name in two folders gives the
    /// same model card, so whole directories compare).
    static func files(_ directory: String) throws -> [String: Data] {
        try ExampleFamily.contents(of: directory)
    }

    /// Runs parts 0..<count of `recipe` at once into `output`.
    static func runParts(_ recipe: String, output: String, count: Int, extra: [String] = [], in directory: String = CommandLineTool.repositoryRoot) throws -> [CommandLineTool.Result] {
        let started = try (0..<count).map { index in
            try CommandLineTool.start(
                ["apply", recipe, "-o", output, "--out-shard-size", shardSize, "--part", "\(index)/\(count)", "--threads", "1"] + extra,
                in: directory)
        }
        return started.map { $0.wait(timeLimit: .seconds(120)) }
    }

    static func finalize(_ recipe: String, output: String, in directory: String = CommandLineTool.repositoryRoot) throws -> CommandLineTool.Result {
        try CommandLineTool.run(["finalize", recipe, "-o", output, "--out-shard-size", shardSize], in: directory, timeLimit: .seconds(120))
    }

    @Test(arguments: [
        ("ties", 2), ("ties", 5), ("quickstart", 3), ("della", 4), ("model_stock", 2), ("slerp", 3), ("breadcrumbs_ties", 1),
        ("union_chatml", 2), ("stages", 3),
    ])
    func partsRunTogetherThenFinalizeEqualOneApply(_ method: String, _ parts: Int) throws {
        let directory = try TemporaryDirectory()
        let recipe = "Recipes/\(method).yaml"
        let whole = try CommandLineTool.run(
            ["apply", recipe, "-o", directory.path + "/whole/out", "--out-shard-size", Self.shardSize, "--quiet"])
        try #require(whole.status == 0, "\(whole.stderr)")

        let output = directory.path + "/split/out"
        for result in try Self.runParts(recipe, output: output, count: parts) {
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("once all \(parts) parts are done, run finalize"), "\(result.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: output), "a part must never publish")
        let finalized = try Self.finalize(recipe, output: output)
        try #require(finalized.status == 0, "\(finalized.stderr)")
        #expect(finalized.stdout.contains("from \(parts) part"), "\(finalized.stdout)")

        let expected = try Self.files(directory.path + "/whole/out")
        let actual = try Self.files(output)
        #expect(expected.keys.sorted() == actual.keys.sorted())
        #expect(expected == actual, "the split merge differs from one apply")
        #expect(expected.keys.filter { $0.hasSuffix(".safetensors") }.count > parts, "the test needs more shards than parts")
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: output + ".lock"))
    }

    /// Options outside the recipe reach the split merge as they reach one apply: the parts take
    /// the plan's (--random-seed), finalize the plan's and the small files' (--no-copy-tokenizer,
    /// --no-write-model-card); a finalize without the seed the parts had refuses them.
    @Test func partsAndFinalizeTakeApplysOptions() throws {
        let directory = try TemporaryDirectory()
        let recipe = "Recipes/della.yaml"
        let options = ["--random-seed", "5", "--no-copy-tokenizer", "--no-write-model-card"]
        let whole = try CommandLineTool.run(
            ["apply", recipe, "-o", directory.path + "/whole/out", "--out-shard-size", Self.shardSize, "--quiet"] + options)
        try #require(whole.status == 0, "\(whole.stderr)")

        let output = directory.path + "/split/out"
        for result in try Self.runParts(recipe, output: output, count: 2, extra: options) {
            #expect(result.status == 0, "\(result.stderr)")
        }
        let unseeded = try Self.finalize(recipe, output: output)
        #expect(unseeded.status == 1, "\(unseeded.stderr)")
        #expect(unseeded.stderr.contains("computed for another plan"), "\(unseeded.stderr)")
        let finalized = try CommandLineTool.run(
            ["finalize", recipe, "-o", output, "--out-shard-size", Self.shardSize] + options, timeLimit: .seconds(120))
        try #require(finalized.status == 0, "\(finalized.stderr)")

        let expected = try Self.files(directory.path + "/whole/out")
        #expect(expected.keys.contains("README.md") == false && expected.keys.contains("tokenizer.json") == false)
        #expect(expected == (try Self.files(output)), "the split merge differs from one apply with the same options")
    }

    @Test func finalizeNamesAMissingPartAndPublishesNothing() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let recipe = "Recipes/ties.yaml"
        let part = try CommandLineTool.run(["apply", recipe, "-o", output, "--out-shard-size", Self.shardSize, "--part", "0/3"])
        try #require(part.status == 0, "\(part.stderr)")
        let finalized = try Self.finalize(recipe, output: output)
        #expect(finalized.status == 1, "\(finalized.stderr)")
        #expect(finalized.stderr.contains("part 1/3: it has not run"), "\(finalized.stderr)")
        #expect(finalized.stderr.contains("part 2/3: it has not run"), "\(finalized.stderr)")
        #expect(!finalized.stderr.contains("part 0/3"), "\(finalized.stderr)")
        #expect(finalized.stderr.contains("2 of 3 parts not ready; nothing was published"), "\(finalized.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(FileManager.default.fileExists(atPath: output + ".partial/.mergekit-part-0-of-3.json"))
    }

    @Test func finalizeRefusesAPartMadeFromAnotherRecipe() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let other = directory.path + "/other.yaml"
        try String(contentsOfFile: directory.path + "/recipe.yaml", encoding: .utf8)
            .replacingOccurrences(of: "seed: 42", with: "seed: 43").write(toFile: other, atomically: true, encoding: .utf8)
        let output = directory.path + "/out"
        let results = try Self.runParts("recipe.yaml", output: output, count: 2, in: directory.path)
        try #require(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        // Part 1 again, from the other recipe: its files exist, so it needs --force.
        let refused = try CommandLineTool.run(
            ["apply", "other.yaml", "-o", output, "--out-shard-size", Self.shardSize, "--part", "1/2"], in: directory.path)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("already holds files of part 1/2"), "\(refused.stderr)")
        let replaced = try CommandLineTool.run(
            ["apply", "other.yaml", "-o", output, "--out-shard-size", Self.shardSize, "--part", "1/2", "--force"], in: directory.path)
        try #require(replaced.status == 0, "\(replaced.stderr)")

        let finalized = try Self.finalize("recipe.yaml", output: output, in: directory.path)
        #expect(finalized.status == 1, "\(finalized.stderr)")
        #expect(finalized.stderr.contains("part 1/2: it was computed for another plan"), "\(finalized.stderr)")
        #expect(!finalized.stderr.contains("part 0/2"), "\(finalized.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))

        let wrongSize = try CommandLineTool.run(["finalize", "other.yaml", "-o", output], in: directory.path)
        #expect(wrongSize.status == 1, "\(wrongSize.stderr)")
        #expect(wrongSize.stderr.contains("give finalize the --out-shard-size the parts had"), "\(wrongSize.stderr)")
    }

    @Test func finalizeNamesADamagedTensorAndResumeRepairsIt() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let reference = try CommandLineTool.run(
            ["apply", "recipe.yaml", "-o", "whole/out", "--out-shard-size", Self.shardSize, "--quiet"], in: directory.path)
        try #require(reference.status == 0, "\(reference.stderr)")
        let output = directory.path + "/split/out"
        let results = try Self.runParts("recipe.yaml", output: output, count: 2, in: directory.path)
        try #require(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")

        // Flip one byte in the middle of the data of a shard part 1 wrote.
        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: output + ".partial/.mergekit-part-1-of-2.json"))) as? [String: Any]
        let shards = try #require(manifest?["shards"] as? [[String: Any]])
        let shard = try #require(shards.first?["file"] as? String)
        let path = output + ".partial/" + shard
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 5] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))

        let finalized = try Self.finalize("recipe.yaml", output: output, in: directory.path)
        #expect(finalized.status == 1, "\(finalized.stderr)")
        #expect(finalized.stderr.contains("part 1/2: in its shard '\(shard)'"), "\(finalized.stderr)")
        #expect(finalized.stderr.contains("no longer match"), "\(finalized.stderr)")
        #expect(finalized.stderr.contains("apply --part 1/2 --resume"), "\(finalized.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))

        let resumed = try CommandLineTool.run(
            ["apply", "recipe.yaml", "-o", output, "--out-shard-size", Self.shardSize, "--part", "1/2", "--resume"], in: directory.path)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed"), "\(resumed.stdout)")
        let again = try Self.finalize("recipe.yaml", output: output, in: directory.path)
        try #require(again.status == 0, "\(again.stderr)")
        #expect(try Self.files(output) == Self.files(directory.path + "/whole/out"))
    }

    /// A part killed partway resumes by itself; the split still equals one apply.
    @Test func aKilledPartResumes() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let reference = try CommandLineTool.run(
            ["apply", recipe, "-o", "whole/out", "--out-shard-size", "1MB", "--quiet"], in: directory.path)
        try #require(reference.status == 0, "\(reference.stderr)")
        let output = directory.path + "/split/out"
        let arguments = ["apply", recipe, "-o", output, "--out-shard-size", "1MB", "--threads", "1", "--memory-budget", "1MB"]
        let first = try CommandLineTool.run(arguments + ["--part", "0/2"], in: directory.path)
        try #require(first.status == 0, "\(first.stderr)")

        let killed = try CommandLineTool.start(arguments + ["--part", "1/2"], in: directory.path)
        try Self.waitForJournal(output + ".partial/.mergekit-journal-part-1-of-2", lines: 6, of: killed)
        kill(killed.pid, SIGKILL)
        _ = killed.wait()
        #expect(!FileManager.default.fileExists(atPath: output + ".partial/.mergekit-part-1-of-2.json"))
        let early = try Self.finalize(recipe, output: output, in: directory.path)
        #expect(early.status == 1)
        #expect(early.stderr.contains("part 1/2: it has not finished"), "\(early.stderr)")

        let resumed = try CommandLineTool.run(arguments + ["--part", "1/2", "--resume"], in: directory.path)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed"), "\(resumed.stdout)")
        let finalized = try CommandLineTool.run(["finalize", recipe, "-o", output, "--out-shard-size", "1MB"], in: directory.path)
        try #require(finalized.status == 0, "\(finalized.stderr)")
        #expect(try Self.files(output) == Self.files(directory.path + "/whole/out"))
    }

    /// Parts exclude a whole run and a second copy of themselves, not each other.
    @Test func partsLockTheirShardsAndKeepAWholeRunOut() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let output = directory.path + "/out"
        let arguments = ["apply", recipe, "-o", output, "--out-shard-size", "1MB", "--threads", "1", "--memory-budget", "1MB"]
        let running = try CommandLineTool.start(arguments + ["--part", "0/2"], in: directory.path)
        try Self.waitForJournal(output + ".partial/.mergekit-journal-part-0-of-2", lines: 3, of: running)
        let other = try CommandLineTool.start(arguments + ["--part", "1/2"], in: directory.path)
        try Self.waitForJournal(output + ".partial/.mergekit-journal-part-1-of-2", lines: 3, of: other)

        let twin = try CommandLineTool.run(arguments + ["--part", "0/2", "--resume"], in: directory.path)
        let whole = try CommandLineTool.run(["apply", recipe, "-o", output, "--force"], in: directory.path)
        let finalizing = try CommandLineTool.run(["finalize", recipe, "-o", output, "--out-shard-size", "1MB"], in: directory.path)
        try #require(running.isRunning, "the part finished before the others could try; the family is too small")
        let first = running.wait()
        let second = other.wait()
        #expect(first.status == 0, "the running part must not be disturbed: \(first.stderr)")
        #expect(second.status == 0, "another part runs beside it: \(second.stderr)")
        #expect(twin.status == 1, "\(twin.stderr)")
        #expect(twin.stderr.contains("is being written by another run (pid \(running.pid)"), "\(twin.stderr)")
        #expect(whole.status == 1, "\(whole.stderr)")
        #expect(whole.stderr.contains("apply --part"), "\(whole.stderr)")
        #expect(finalizing.status == 1, "\(finalizing.stderr)")

        let reference = try CommandLineTool.run(
            ["apply", recipe, "-o", "whole/out", "--out-shard-size", "1MB", "--quiet"], in: directory.path)
        try #require(reference.status == 0, "\(reference.stderr)")
        let finalized = try CommandLineTool.run(["finalize", recipe, "-o", output, "--out-shard-size", "1MB"], in: directory.path)
        try #require(finalized.status == 0, "\(finalized.stderr)")
        #expect(try Self.files(output) == Self.files(directory.path + "/whole/out"))
    }

    /// A whole run's interrupted work directory is not taken over by parts.
    @Test func partsRefuseAWholeRunsWorkDirectory() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let output = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: output + ".partial", withIntermediateDirectories: false)
        try "{\"mergekit_swift_journal\":1,\"plan\":\"0123456789abcdef\"}\n"
            .write(toFile: output + ".partial/.mergekit-journal", atomically: true, encoding: .utf8)
        let part = try CommandLineTool.run(["apply", "recipe.yaml", "-o", output, "--part", "0/2"], in: directory.path)
        #expect(part.status == 64, "\(part.stderr)")
        #expect(part.stderr.contains("not split into parts"), "\(part.stderr)")
        #expect(FileManager.default.fileExists(atPath: output + ".partial/.mergekit-journal"))
    }

    @Test func morePartsThanShardsLeaveEmptyPartsThatStillCount() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        try #require(try CommandLineTool.run(["apply", "recipe.yaml", "-o", "whole/out", "--quiet"], in: directory.path).status == 0)
        let output = directory.path + "/split/out"
        let results = (0..<2).map { index in
            (try? CommandLineTool.run(["apply", "recipe.yaml", "-o", output, "--part", "\(index)/2"], in: directory.path))
        }
        #expect(results.allSatisfy { $0?.status == 0 }, "\(results.map { $0?.stderr ?? "" })")
        #expect(results.contains { $0?.stderr.contains("part 1/2 has no shard to compute") == true }, "\(results.map { $0?.stderr ?? "" })")
        let finalized = try CommandLineTool.run(["finalize", "recipe.yaml", "-o", output], in: directory.path)
        try #require(finalized.status == 0, "\(finalized.stderr)")
        #expect(try Self.files(output) == Self.files(directory.path + "/whole/out"))
    }

    @Test(arguments: ["2/2", "-1/2", "1/0", "a/b", "1", "1/2/3", ""])
    func aBadPartIsAUsageError(_ text: String) throws {
        let result = try CommandLineTool.run(["apply", "Recipes/ties.yaml", "-o", "/nonexistent/out", "--part", text])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--part"), "\(result.stderr)")
    }

    @Test func finalizeWithoutPartsSaysWhatToRun() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["finalize", "Recipes/ties.yaml", "-o", directory.path + "/out"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("run apply --part I/K for every part first"), "\(result.stderr)")
    }

    static func waitForJournal(_ journal: String, lines: Int, of process: RunningCommand) throws {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0) < lines {
            usleep(2_000)
        }
        try #require(process.isRunning, "the part finished before the test could act on it")
    }
}
