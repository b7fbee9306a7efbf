import Foundation
import MergeKitTestSupport
import Testing

/// The CLI as a user runs it: exit codes, stdout vs stderr, files on disk.
@Suite struct CommandLineTests {
    @Test func applyWritesACompleteModel() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/merged"
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote \(output): 39 tensors, 4 layers, 1 shard"))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: output))
        #expect(files == ["model.safetensors", "config.json", "README.md", "mergekit_config.yml", "tokenizer.json", "tokenizer_config.json"])
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        let recipe = try String(contentsOfFile: CommandLineTool.repositoryRoot + "/Recipes/quickstart.yaml", encoding: .utf8)
        #expect(try String(contentsOfFile: output + "/mergekit_config.yml", encoding: .utf8) == recipe)
        let card = try String(contentsOfFile: output + "/README.md", encoding: .utf8)
        #expect(card.hasPrefix("---\nlibrary_name: transformers\ntags:\n- mergekit\n- merge\n---\n"))

        let again = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", "-o", output])
        #expect(again.status == 64)
        #expect(again.stderr.contains("already exists; pass --force"))
        let forced = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", "-o", output, "--force", "--quiet"])
        #expect(forced.status == 0)
        #expect(forced.stdout.isEmpty)
        #expect(try TinyCheckpoint.readAll(output).count == 39)
    }

    @Test func badRecipeExits65AndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let recipe = directory.path + "/bad.yaml"
        try """
            merge_method: linera
            models:
              - model: \(CommandLineTool.repositoryRoot)/Examples/tiny-llama/ft_a
                parameters: {weight: 1}
              - model: ./nowhere
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", recipe, "-o", directory.path + "/out"], in: directory.path)
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(recipe):1:15: error: unknown merge method 'linera'; did you mean 'linear'?"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out.partial"))
    }

    @Test func outputInsideAnInputIsRefused() throws {
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", "-o", "Examples/tiny-llama/base/merged"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("inside the input model directory"))
    }

    @Test func badArgumentsExit64() throws {
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", "--out-shard-size", "lots"])
        #expect(result.status == 64)
    }

    @Test func validatePlanAndMethods() throws {
        let validate = try CommandLineTool.run(["validate", "Recipes/linear.yaml"])
        #expect(validate.status == 0)
        #expect(validate.stdout == "Recipes/linear.yaml: ok — linear, 3 models, 39 output tensors, 4 layers\n")
        let plan = try CommandLineTool.run(["plan", "Recipes/passthrough.yaml", "--json"])
        #expect(plan.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
        #expect(json?["layers"] as? Int == 6)
        let methods = try CommandLineTool.run(["methods"])
        #expect(methods.stdout.contains("linear: Weighted average"))
        #expect(methods.stdout.contains("task_arithmetic:"))
        #expect(methods.stdout.contains("passthrough:"))
    }
}

/// Running out of room: a file-size limit (EFBIG) and a full file system are I/O failures with
/// a message, exit code 1, and no output that looks complete.
@Suite struct OutOfSpaceTests {
    @Test func fileSizeLimitIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 64 KiB limit: the 333 kB shard cannot be sized.
        process.arguments = ["-c", "ulimit -f 64; exec \"$0\" apply Recipes/quickstart.yaml -o \"$1\"", CommandLineTool.executable, output]
        process.currentDirectoryURL = URL(fileURLWithPath: CommandLineTool.repositoryRoot)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(message)")
        #expect(message.contains("file too large"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
