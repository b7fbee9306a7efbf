import Testing
@testable import MergeKitTokenizer

/// Fixed-seed damage to a real tokenizer.json (byte changes, insertions, truncation): reading it
/// throws a `TokenizerError` naming the file, never traps; what it accepts has non-negative ids.
@Suite struct TokenizerMutationTests {
    static let tokenizer = Array(#"""
        {
          "version": "1.0",
          "added_tokens": [
            {"id": 3, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
          ],
          "normalizer": null,
          "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
          "model": {"type": "BPE", "dropout": null, "vocab": {"a": 0, "b": 1, "ab": 2, "\u0120c": 4}, "merges": [["a", "b"], "Ġ c"]}
        }
        """#.utf8)

    @Test func mutatedFilesThrowNamedErrorsOrReadValidVocabularies() {
        let alphabet = Array("{}[]\":,0123-e.\\u \nabBPE".utf8) + [0x80, 0xC3, 0xFF, 0x00]
        var state: UInt64 = 0x70C5
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        var rejected = 0
        for _ in 0..<4000 {
            var bytes = Self.tokenizer
            for _ in 0...next(2) {
                let position = next(bytes.count)
                if next(2) == 0 { bytes[position] = alphabet[next(alphabet.count)] } else { bytes.insert(alphabet[next(alphabet.count)], at: position) }
            }
            if next(8) == 0 { bytes.removeLast(next(bytes.count)) }
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(TokenizerError) in try TokenizerVocabulary(tokenizerJSON: raw, file: "tokenizer.json") }
            }
            switch result {
            case .success(let vocabulary):
                #expect(vocabulary.tokensByID.allSatisfy { $0.id >= 0 })
            case .failure(let error):
                rejected += 1
                #expect(error.problems.allSatisfy { $0.file == "tokenizer.json" })
            }
        }
        #expect(rejected > 1000)
    }
}
