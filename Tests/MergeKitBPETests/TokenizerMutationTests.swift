import Foundation
import MergeKitBPE
import MergeKitRandom
import Testing

/// tokenizer.json is untrusted input: damaged copies (byte flips, truncations) must load or be
/// refused with an error, and a loaded one must encode without trapping.
@Suite struct TokenizerMutationTests {
    @Test(arguments: ["spm_bpe", "qwen2", "llama3", "gpt2"])
    func damagedTokenizersThrowOrEncode(_ name: String) throws {
        let source = PromptEncoderTests.fixtures + "/tokenizers/" + name
        let original = try #require(FileManager.default.contents(atPath: source + "/tokenizer.json"))
        let config = try #require(FileManager.default.contents(atPath: source + "/tokenizer_config.json"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-mutation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/tokenizer_config.json", contents: config))
        var generator = SplitMix64(seed: 0x5EED_0000 ^ UInt64(name.utf8.count))
        func next(_ bound: Int) -> Int {
            Int(generator.next() % UInt64(bound))
        }
        let printable = Array("{}[]\":,0123456789 abcz\\".utf8)
        var loaded = 0
        for round in 0..<180 {
            var bytes = [UInt8](original)
            if round % 3 == 0 {
                bytes.removeLast(next(bytes.count))
            } else {
                for _ in 0..<(1 + next(4)) { bytes[next(bytes.count)] = printable[next(printable.count)] }
            }
            #expect(FileManager.default.createFile(atPath: directory + "/tokenizer.json", contents: Data(bytes)))
            guard let encoder = try? PromptEncoder(directory: directory) else { continue }
            loaded += 1
            for prompt in ["Hello world", "It's 2024!\n\tok", "naïve 日本 😀", "<s><|endoftext|>"] {
                _ = encoder.encode(prompt)
            }
        }
        #expect(loaded > 0, "some single-byte changes leave a usable tokenizer")
    }
}
