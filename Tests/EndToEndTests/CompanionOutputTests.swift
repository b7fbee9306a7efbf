import Foundation
import MergeKitTestSupport
import Testing

/// `moe` and `extract-lora` write their outputs under `apply`'s rules (README "Nothing lost"):
/// the same path checks, the same lock, `--force` replacing only a previous output or an empty
/// directory, a stale work directory removed only when it is recognisably one, and names from
/// files escaped on the terminal.
@Suite struct CompanionOutputTests {
    static let loraModels = CommandLineTool.repositoryRoot + "/Tests/MergeKitLoRAExtractionTests/Fixtures/models"
    static let moeModels = CommandLineTool.repositoryRoot + "/Tests/MergeKitMoETests/Fixtures/models"

    /// A work directory with copies of the fixture models (so a failing test cannot damage the
    /// fixtures) and a random-gate MoE configuration over them.
    static func workspace() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for (source, name) in [
            (loraModels + "/qwen_base", "qwen_base"), (loraModels + "/qwen_ft", "qwen_ft"),
            (moeModels + "/llama_base", "llama_base"), (moeModels + "/llama_ft_a", "llama_ft_a"),
            (moeModels + "/llama_ft_b", "llama_ft_b"),
        ] {
            try FileManager.default.copyItem(atPath: source, toPath: directory.path + "/" + name)
        }
        try """
            base_model: ./llama_base
            gate_mode: random
            experts:
              - source_model: ./llama_ft_a
              - source_model: ./llama_ft_b
            """.write(toFile: directory.path + "/moe.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    /// The command line of each companion command writing to `output`.
    static func command(_ name: String, output: String) -> [String] {
        name == "moe"
            ? ["moe", "moe.yaml", "-o", output]
            : ["extract-lora", "--model", "qwen_ft", "--base-model", "qwen_base", "--max-rank", "4", "-o", output]
    }

    static let commands = ["moe", "extract-lora"]

    @Test(arguments: commands)
    func aHeldLockRefusesTheRunNamingItsHolder(_ name: String) throws {
        let directory = try Self.workspace()
        let lock = open(directory.path + "/out.lock", O_RDWR | O_CREAT, 0o644)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(lock, $0.baseAddress, $0.count) }
        let result = try CommandLineTool.run(Self.command(name, output: "out"), in: directory.path, timeLimit: .seconds(60))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("is being written by another run (pid \(getpid())"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out.partial"))
    }

    @Test(arguments: commands)
    func anOutputInsideAnInputIsRefused(_ name: String) throws {
        let directory = try Self.workspace()
        let input = name == "moe" ? "llama_ft_b" : "qwen_base"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/" + input).sorted()
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/\(input)/model.safetensors"))
        let result = try CommandLineTool.run(Self.command(name, output: input + "/out"), in: directory.path)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("it is inside the input model directory"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/" + input).sorted() == files)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/\(input)/model.safetensors")) == before)
    }

    @Test(arguments: commands)
    func forceReplacesOnlyAPreviousOutputOrAnEmptyDirectory(_ name: String) throws {
        let directory = try Self.workspace()
        let photos = directory.path + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try "holiday".write(toFile: photos + "/beach.jpg", atomically: true, encoding: .utf8)
        let refused = try CommandLineTool.run(Self.command(name, output: "photos") + ["--force"], in: directory.path)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("not a previous merge output"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: photos + "/beach.jpg"))

        let empty = directory.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let first = try CommandLineTool.run(Self.command(name, output: "empty") + ["--force", "-q"], in: directory.path)
        #expect(first.status == 0, "\(first.stderr)")
        let previous = try CommandLineTool.run(Self.command(name, output: "empty") + ["--force", "-q"], in: directory.path)
        #expect(previous.status == 0, "a previous output is replaced: \(previous.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("empty") } == ["empty"],
                "no .partial, .replaced or .lock left")
        #expect(try !FileManager.default.contentsOfDirectory(atPath: empty).contains { $0.hasPrefix(".") }, "no journal or temporary file published")
    }

    /// A killed run's work directory (it holds the journal) is replaced only with `--force`
    /// (moe can also `--resume` it); a directory of that name that is not one is never removed.
    @Test(arguments: commands)
    func aStaleWorkDirectoryIsReplacedOnlyWhenItIsOne(_ name: String) throws {
        let directory = try Self.workspace()
        let partial = directory.path + "/out.partial"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        try "{\"mergekit_swift_journal\":1,\"plan\":\"0000000000000000\"}\n".write(toFile: partial + "/.mergekit-journal", atomically: true, encoding: .utf8)
        let refused = try CommandLineTool.run(Self.command(name, output: "out"), in: directory.path)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("holds an interrupted run"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--resume") == (name == "moe"), "\(refused.stderr)")
        let forced = try CommandLineTool.run(Self.command(name, output: "out") + ["--force", "-q"], in: directory.path)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: partial))

        try FileManager.default.createDirectory(atPath: directory.path + "/other.partial", withIntermediateDirectories: true)
        try "keep me".write(toFile: directory.path + "/other.partial/notes.txt", atomically: true, encoding: .utf8)
        let foreign = try CommandLineTool.run(Self.command(name, output: "other") + ["--force"], in: directory.path)
        #expect(foreign.status == 64, "\(foreign.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/other.partial/notes.txt"))
    }

    @Test(arguments: commands)
    func namesFromFilesAreEscaped(_ name: String) throws {
        let directory = try Self.workspace()
        let output = "out" + TerminalEscapeTests.evil
        let written = try CommandLineTool.run(Self.command(name, output: output), in: directory.path)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("wrote \(directory.path)/out\(TerminalEscapeTests.escapedEvil): "), "\(written.stdout)")
        #expect(TerminalEscapeTests.rawControls(written.stdout + written.stderr).isEmpty)

        let again = try CommandLineTool.run(Self.command(name, output: output), in: directory.path)
        #expect(again.status == 64)
        #expect(again.stderr.contains("error: the output '\(directory.path)/out\(TerminalEscapeTests.escapedEvil)' already exists"), "\(again.stderr)")
        #expect(TerminalEscapeTests.rawControls(again.stderr).isEmpty)
    }
}
