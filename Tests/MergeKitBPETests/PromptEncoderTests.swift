import Foundation
import MergeKitBPE
import MergeKitSafetensors
import Testing

/// Token ids against Hugging Face's (Fixtures/encodings.json, made by transformers 5 with
/// Fixtures/make_tokenizers.py) for four tokenizer kinds and prompts chosen to exercise
/// pre-tokenization: contractions, digits, Unicode, whitespace runs, newlines, added tokens in
/// the text, normalization, byte fallback.
@Suite struct PromptEncoderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func goldens() throws -> (prompts: [String], tokenizers: [String: JSONValue]) {
        let root = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: fixtures + "/encodings.json")))
        let prompts = root["prompts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var tokenizers: [String: JSONValue] = [:]
        for entry in root["tokenizers"]?.objectValue ?? JSONObject() { tokenizers[entry.key] = entry.value }
        return (prompts, tokenizers)
    }

    @Test(arguments: ["spm_bpe", "qwen2", "llama3", "gpt2"])
    func matchesHuggingFace(_ name: String) throws {
        let (prompts, tokenizers) = try Self.goldens()
        let golden = try #require(tokenizers[name])
        let encoder = try PromptEncoder(directory: Self.fixtures + "/tokenizers/" + name)
        #expect(encoder.bosToken == golden["bos_token"]?.stringValue)
        let expected = try #require(golden["ids"]?.arrayValue)
        #expect(expected.count == prompts.count)
        for (prompt, ids) in zip(prompts, expected) {
            let text = (encoder.bosToken ?? "") + prompt
            #expect(encoder.encode(text) == ids.arrayValue?.compactMap(\.intValue), "\(name): \(prompt.debugDescription)")
        }
    }

    @Test func unsupportedTokenizersAreRefusedByName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-encoder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try #"{"model": {"type": "Unigram", "vocab": []}}"#.write(toFile: directory + "/tokenizer.json", atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try PromptEncoder(directory: directory) }
        do {
            _ = try PromptEncoder(directory: directory)
        } catch {
            #expect(error.message == "model type 'Unigram' is not supported; the prompt encoder implements BPE")
        }
        try #"{"tokenizer_class": "T5Tokenizer"}"#.write(toFile: directory + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: Self.fixtures + "/tokenizers/qwen2/tokenizer.json", toPath: directory + "/copy.json")
        try FileManager.default.removeItem(atPath: directory + "/tokenizer.json")
        try FileManager.default.moveItem(atPath: directory + "/copy.json", toPath: directory + "/tokenizer.json")
        do {
            _ = try PromptEncoder(directory: directory)
            Issue.record("T5Tokenizer was accepted")
        } catch {
            #expect(error.message.hasPrefix("tokenizer_class 'T5Tokenizer' is not supported by the prompt encoder"))
        }
        #expect(throws: TokenizerError.self) { try PromptEncoder(directory: directory + "/missing") }
    }

    /// tokenizer.json is an input like any other: a FIFO there is refused at once, not read
    /// until someone writes to it.
    @Test func aFIFOAsTheTokenizerIsRefusedWithoutBlocking() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-encoder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(
            atPath: Self.fixtures + "/tokenizers/qwen2/tokenizer_config.json", toPath: directory + "/tokenizer_config.json")
        try #require(mkfifo(directory + "/tokenizer.json", 0o644) == 0)
        do {
            _ = try PromptEncoder(directory: directory)
            Issue.record("a FIFO was read as tokenizer.json")
        } catch {
            #expect(error.file == directory + "/tokenizer.json")
            #expect(error.message == "not a regular file")
        }
    }
}
