import Foundation
import MergeKitTestSupport
import Testing

/// `mergekit-swift extract-lora` as a user runs it, on the LoRA fixture models.
@Suite struct ExtractLoRACommandTests {
    static let models = CommandLineTool.repositoryRoot + "/Tests/MergeKitLoRAExtractionTests/Fixtures/models"

    @Test func writesAPEFTAdapter() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/adapter"
        let result = try CommandLineTool.run([
            "extract-lora", "--model", Self.models + "/qwen_ft", "--base-model", Self.models + "/qwen_base",
            "--max-rank", "8", "--out-path", output, "--threads", "2",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote \(output): 14 LoRA modules (rank ≤ 8), 7 at full rank"))
        #expect(result.stderr.contains("warning: adding embed_tokens to modules_to_save"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: output)) == ["adapter_model.safetensors", "adapter_config.json", "README.md"])
        let config = try String(contentsOfFile: output + "/adapter_config.json", encoding: .utf8)
        #expect(config.contains("\"r\": 8,"))
        #expect(config.contains("\"bias\": \"lora_only\""))
        let card = try String(contentsOfFile: output + "/README.md", encoding: .utf8)
        #expect(card.contains("library_name: peft"))
        #expect(card.contains("mergekit-swift extract-lora --model"))

        let again = try CommandLineTool.run([
            "extract-lora", "--model", Self.models + "/qwen_ft", "--base-model", Self.models + "/qwen_base", "-o", output, "-q",
        ])
        #expect(again.status == 64)
        #expect(again.stderr.contains("already exists; pass --force"))
    }

    @Test func addedTokensWarnInTheCard() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/adapter"
        let result = try CommandLineTool.run([
            "extract-lora", "--model", Self.models + "/qwen_ft_added_tokens", "--base-model", Self.models + "/qwen_base",
            "--max-rank", "4", "-o", output, "--embed-lora", "--quiet",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
        let card = try String(contentsOfFile: output + "/README.md", encoding: .utf8)
        #expect(card.contains("extended from the base model's 64 to 72"))
        #expect(card.contains("model.resize_token_embeddings(72)"))
    }

    @Test func badArgumentsExit64AndBadModelsExit65() throws {
        let directory = try TemporaryDirectory()
        let regex = try CommandLineTool.run([
            "extract-lora", "--model", Self.models + "/qwen_ft", "--base-model", Self.models + "/qwen_base",
            "-o", directory.path + "/a", "-e", "(",
        ])
        #expect(regex.status == 64)
        #expect(regex.stderr.contains("error: --exclude-regex '(' is not a valid regular expression"))
        #expect(regex.stderr.contains("1 error; nothing was written"))

        let rank = try CommandLineTool.run([
            "extract-lora", "--model", Self.models + "/qwen_ft", "--base-model", Self.models + "/qwen_base",
            "-o", directory.path + "/a", "--max-rank", "0",
        ])
        #expect(rank.status == 64)

        let missing = try CommandLineTool.run([
            "extract-lora", "--model", Self.models + "/qwen_ft", "--base-model", directory.path + "/nowhere",
            "-o", directory.path + "/a",
        ])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("error: --base-model \(directory.path)/nowhere: not a model directory"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/a"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/a.partial"))
    }
}
