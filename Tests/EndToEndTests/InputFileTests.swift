import Foundation
import MergeKitTestSupport
import Testing

/// Inputs that are not what they seem: special files where regular files belong, and a file
/// cut short while the merge reads it.
@Suite(.serialized) struct InputFileTests {
    /// (what, the file replaced, its replacement: "fifo" or a symlink target)
    @Test(arguments: [
        ("a FIFO as the shard", "ft_a/model.safetensors", "fifo"),
        ("a FIFO as the index", "ft_a/model.safetensors.index.json", "fifo"),
        ("a FIFO as the tokenizer", "base/tokenizer.json", "fifo"),
        ("/dev/zero as the config", "ft_a/config.json", "/dev/zero"),
        ("/dev/zero as the tokenizer", "base/tokenizer.json", "/dev/zero"),
        ("/dev/zero as the shard", "ft_a/model.safetensors", "/dev/zero"),
    ])
    func aSpecialFileIsRefusedWithoutHanging(_ what: String, _ file: String, _ replacement: String) throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let path = directory.path + "/" + file
        try? FileManager.default.removeItem(atPath: path)
        if replacement == "fifo" {
            try #require(mkfifo(path, 0o644) == 0)
        } else {
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: replacement)
        }
        for command in [["validate", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"]] {
            let result = try CommandLineTool.run(command, in: directory.path, timeLimit: .seconds(20))
            #expect(!result.timedOut, "\(what): \(command[0]) hung")
            #expect(result.status == 65, "\(what): \(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(file), "\(what): \(result.stderr)")
            #expect(result.stderr.contains("not a regular file"), "\(what): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// The recipe is read like every input: a FIFO (or a device) given as the recipe is refused
    /// at once instead of blocking the open, and no command hangs rendering the error.
    @Test(arguments: ["fifo", "/dev/zero"])
    func aSpecialFileAsTheRecipeIsRefusedWithoutHanging(_ replacement: String) throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let recipe = directory.path + "/recipe.yaml"
        try FileManager.default.removeItem(atPath: recipe)
        if replacement == "fifo" {
            try #require(mkfifo(recipe, 0o644) == 0)
        } else {
            try FileManager.default.createSymbolicLink(atPath: recipe, withDestinationPath: replacement)
        }
        for command in [["validate", "recipe.yaml"], ["plan", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"]] {
            let result = try CommandLineTool.run(command, in: directory.path, timeLimit: .seconds(20))
            #expect(!result.timedOut, "\(replacement): \(command[0]) hung")
            #expect(result.status == 65, "\(replacement): \(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("recipe.yaml:1:1"), "\(replacement): \(result.stderr)")
            #expect(result.stderr.contains("not a regular file"), "\(replacement): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// A directory, a missing file or an oversized file as the recipe: an error at its first
    /// line saying which, exit 65, nothing written.
    @Test func aRecipeThatIsNotARecipeFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        try FileManager.default.createDirectory(atPath: directory.path + "/folder.yaml", withIntermediateDirectories: false)
        let oversized = Data(repeating: UInt8(ascii: " "), count: (16 << 20) + 1)
        try oversized.write(to: URL(fileURLWithPath: directory.path + "/huge.yaml"))
        let cases = [
            ("folder.yaml", "not a regular file (it is a directory)"),
            ("missing.yaml", "No such file or directory"),
            ("huge.yaml", "more than the limit of 16777216"),
        ]
        for (recipe, reason) in cases {
            for command in [["validate", recipe], ["apply", recipe, "-o", "out"]] {
                let result = try CommandLineTool.run(command, in: directory.path, timeLimit: .seconds(20))
                #expect(result.status == 65, "\(recipe): \(command[0]): \(result.stderr)")
                #expect(result.stderr.contains("\(recipe):1:1: error: cannot read the recipe file: "), "\(result.stderr)")
                #expect(result.stderr.contains(reason), "\(recipe): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// A mergekit-moe configuration is read like a recipe: a FIFO is refused at once.
    @Test func aFIFOAsTheMoEConfigurationIsRefusedWithoutHanging() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path + "/moe.yaml"
        try #require(mkfifo(config, 0o644) == 0)
        let result = try CommandLineTool.run(["moe", "moe.yaml", "out"], in: directory.path, timeLimit: .seconds(20))
        #expect(!result.timedOut, "moe hung")
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("moe.yaml:1:1: error: cannot read the configuration file: not a regular file (it is a FIFO"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// An input truncated while the merge reads it: a clear error naming the file (exit 1, not
    /// a SIGBUS crash), and `<out>.partial/` stays resumable.
    @Test func anInputTruncatedDuringTheMergeIsAnError() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let shard = directory.path + "/ft_a/model.safetensors"
        let original = try Data(contentsOf: URL(fileURLWithPath: shard))
        let output = directory.path + "/out"
        let run = try CommandLineTool.start(
            ["apply", recipe, "-o", output, "--threads", "1", "--memory-budget", "1MB"], in: directory.path)
        let journal = output + ".partial/.mergekit-journal"
        let deadline = Date().addingTimeInterval(60)
        while run.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 4 {
            usleep(2_000)
        }
        try #require(run.isRunning, "the merge finished before the input could be cut")
        try #require(truncate(shard, off_t(original.count / 4)) == 0)
        let result = run.wait(timeLimit: .seconds(120))
        #expect(!result.signaled, "killed by signal \(result.status): \(result.stderr)")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("ft_a/model.safetensors"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: journal))
        #expect(!FileManager.default.fileExists(atPath: output))

        try original.write(to: URL(fileURLWithPath: shard))
        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        #expect(try ResumeTests.shardBytes(output) == ResumeTests.shardBytes(reference))
    }
}
