import Foundation
import MergeKitTestSupport
import Testing

/// The small files copied or written next to the shards (tokenizer, config, card, recipe):
/// models in the Hugging Face cache layout, symlinks that point where they must not, and runs
/// stopped while these files are written.
@Suite(.serialized) struct SideFileTests {
    /// Moves a model directory into a Hugging Face cache repo: every file becomes a relative
    /// symlink `snapshots/<rev>/<name> -> ../../blobs/<blob>`. Returns the snapshot folder.
    static func moveIntoCache(_ model: String, repo: String, hub: String) throws -> String {
        let manager = FileManager.default
        let root = hub + "/models--org--" + repo
        let snapshot = root + "/snapshots/0123456789abcdef"
        try manager.createDirectory(atPath: root + "/blobs", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/refs", withIntermediateDirectories: true)
        try "0123456789abcdef".write(toFile: root + "/refs/main", atomically: true, encoding: .utf8)
        for (number, name) in try manager.contentsOfDirectory(atPath: model).sorted().enumerated() {
            let blob = String(repeating: "\(number)", count: 8) + "e3b0c44298fc1c149afbf4c8996fb924"
            try manager.moveItem(atPath: model + "/" + name, toPath: root + "/blobs/" + blob)
            try manager.createSymbolicLink(atPath: snapshot + "/" + name, withDestinationPath: "../../blobs/" + blob)
        }
        try manager.removeItem(atPath: model)
        return snapshot
    }

    @Test func modelsInTheHuggingFaceCacheLayoutMerge() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        var names: [String: String] = [:]
        for model in ExampleFamily.models {
            let snapshot = try Self.moveIntoCache(directory.path + "/" + model, repo: model, hub: directory.path + "/hub")
            names[model] = String(snapshot.dropFirst(directory.path.count + 1))
        }
        try ExampleFamily.writeRecipe(in: directory.path, names: names)
        let validate = try CommandLineTool.run(["validate", "recipe.yaml"], in: directory.path)
        #expect(validate.status == 0, "\(validate.stderr)")
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let tokenizer = directory.path + "/out/tokenizer.json"
        let type = try FileManager.default.attributesOfItem(atPath: tokenizer)[.type] as? FileAttributeType
        #expect(type == .typeRegular, "tokenizer.json must be copied as a file, not as a symlink")
        let original = try Data(contentsOf: URL(fileURLWithPath: CommandLineTool.repositoryRoot + "/Examples/tiny-llama/base/tokenizer.json"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: tokenizer)) == original)
        #expect(try TinyCheckpoint.readAll(directory.path + "/out").count == 39)
    }

    /// A side file may be a symlink only to a regular file inside its model folder or its cache
    /// repo; anything else is refused when planning, naming the file.
    @Test(arguments: ["/etc/passwd", "/dev/zero", "../../../elsewhere.json", "../../../models--org--ft_a/blobs/stolen"])
    func aSideFileSymlinkPointingOutsideTheModelIsRefused(_ target: String) throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let snapshot = try Self.moveIntoCache(directory.path + "/base", repo: "base", hub: directory.path + "/hub")
        try FileManager.default.createDirectory(atPath: directory.path + "/hub/models--org--ft_a/blobs", withIntermediateDirectories: true)
        try "{}".write(toFile: directory.path + "/hub/models--org--ft_a/blobs/stolen", atomically: true, encoding: .utf8)
        try "{}".write(toFile: directory.path + "/hub/elsewhere.json", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: snapshot + "/tokenizer.json")
        try FileManager.default.createSymbolicLink(atPath: snapshot + "/tokenizer.json", withDestinationPath: target)
        try ExampleFamily.writeRecipe(in: directory.path, names: ["base": String(snapshot.dropFirst(directory.path.count + 1))])
        for command in [["validate", "recipe.yaml"], ["plan", "recipe.yaml"], ["apply", "recipe.yaml", "-o", "out"]] {
            let result = try CommandLineTool.run(command, in: directory.path, timeLimit: .seconds(60))
            #expect(result.status == 65, "\(command[0]) \(target): \(result.stderr)")
            #expect(result.stderr.contains("tokenizer.json"), "\(command[0]) \(target): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    /// A side file that cannot be written (here: a file-size limit, as a full disk would) names
    /// the file and the reason, and `--resume` then completes the output.
    @Test func aSideFileWriteFailureIsResumable() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let large = String(repeating: "{\"token\": \"abcdefghijklmnopqrstuvwxyz\"}\n", count: 80_000)
        try large.write(toFile: directory.path + "/base/tokenizer.json", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 1 MiB limit (or 512 KiB, in 512-byte blocks): the 333 kB shard fits, the 3 MB tokenizer not.
        process.arguments = ["-c", "ulimit -f 1024; exec \"$0\" apply recipe.yaml -o out", CommandLineTool.executable]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(message)")
        #expect(message.contains("tokenizer.json"), "\(message)")
        #expect(message.contains("too large"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))

        let resumed = try CommandLineTool.run(["apply", "recipe.yaml", "-o", "out", "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let files = try ExampleFamily.contents(of: directory.path + "/out")
        #expect(Set(files.keys) == ["model.safetensors", "config.json", "README.md", "mergekit_config.yml", "tokenizer.json", "tokenizer_config.json"])
        #expect(files["tokenizer.json"] == Data(large.utf8))
    }

    /// A run killed while writing the side files leaves some of them half written and a
    /// temporary file: resume rewrites them all and publishes no temporary file.
    @Test func aRunKilledWhileWritingSideFilesResumes() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ResumeTests.makeFamily(in: directory.path)
        let tokenizer = try Data(contentsOf: URL(fileURLWithPath: CommandLineTool.repositoryRoot + "/Examples/tiny-llama/base/tokenizer.json"))
        try tokenizer.write(to: URL(fileURLWithPath: directory.path + "/base/tokenizer.json"))
        let reference = directory.path + "/reference"
        try #require(try CommandLineTool.run(["apply", recipe, "-o", reference, "--quiet"], in: directory.path).status == 0)
        let output = directory.path + "/out"
        _ = try ResumeTests.interrupt(recipe: recipe, output: output, signal: SIGKILL, afterTensors: 6, in: directory.path)
        let partial = output + ".partial"
        try #require(FileManager.default.fileExists(atPath: partial))
        try Data(tokenizer.prefix(100)).write(to: URL(fileURLWithPath: partial + "/tokenizer.json"))
        try "{\"archi".write(toFile: partial + "/config.json", atomically: false, encoding: .utf8)
        try "half a card".write(toFile: partial + "/.mergekit-tmp-README.md", atomically: false, encoding: .utf8)

        let resumed = try CommandLineTool.run(["apply", recipe, "-o", output, "--resume"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let files = try ExampleFamily.contents(of: output)
        let expected = try ExampleFamily.contents(of: reference)
        #expect(Set(files.keys) == Set(expected.keys))
        for (name, bytes) in expected where name != "README.md" {
            #expect(files[name] == bytes, "\(name) differs from an uninterrupted run")
        }
    }
}
