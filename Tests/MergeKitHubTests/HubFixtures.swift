import Foundation
@testable import MergeKitHub
import MergeKitTensor
import MergeKitTestSupport

/// Model files for the stand-in, made with the real checkpoint writer.
enum HubFixtures {
    /// A tiny llama checkpoint's files (config, shards, index, a tokenizer file) by repository path.
    static func llamaFiles(seed: UInt64, shards: Int = 3, hidden: Int = 64, vocab: Int = 512) throws -> [String: Data] {
        let directory = try TemporaryDirectory(prefix: "hub-fixture")
        let tensors = TinyCheckpoint.llama(layers: 2, hidden: hidden, intermediate: hidden * 2, vocab: vocab, dtype: .f32, seed: seed)
        try TinyCheckpoint.write(
            tensors, to: directory.path,
            config: TinyCheckpoint.llamaConfig(layers: 2, hidden: hidden, intermediate: hidden * 2, vocab: vocab, dtype: .f32),
            shards: shards)
        try #"{"model_max_length": 2048}"#.write(toFile: directory.file("tokenizer_config.json"), atomically: false, encoding: .utf8)
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory.file(name)))
        }
        return files
    }

    static func sha256(_ data: Data) -> String {
        var hasher = SHA256()
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.hexDigest()
    }

    /// A commit id made from `text`.
    static func commit(_ text: String) -> String {
        String(sha256(Data(text.utf8)).prefix(40))
    }

    static func weightFiles(_ files: [String: Data]) -> [String] {
        files.keys.filter { $0.hasSuffix(".safetensors") }.sorted()
    }
}
