import MergeKitSafetensors
import Testing

/// Fixed-seed damage to a real index.json: strict parsing throws, never traps, and an accepted
/// index never names a shard outside its folder.
@Suite struct CheckpointIndexMutationTests {
    static let index = Array("""
        {
          "metadata": {"total_size": 661504},
          "weight_map": {
            "lm_head.weight": "model-00002-of-00002.safetensors",
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.layers.0.mlp.up_proj.weight": "model-00001-of-00002.safetensors",
            "model.norm.weight": "model-00002-of-00002.safetensors"
          }
        }
        """.utf8)

    @Test func mutatedIndexesThrowOrStayInside() {
        let alphabet = Array("{}[]\":,/.\\0u \n".utf8) + [0x80, 0xFF, 0x00]
        var state: UInt64 = 0x1DE7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        var rejected = 0
        for _ in 0..<4000 {
            var bytes = Self.index
            for _ in 0...next(2) {
                let position = next(bytes.count)
                if next(2) == 0 { bytes[position] = alphabet[next(alphabet.count)] } else { bytes.insert(alphabet[next(alphabet.count)], at: position) }
            }
            if next(8) == 0 { bytes.removeLast(next(bytes.count)) }
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(SafetensorsError) in try CheckpointIndex.parse(bytes: raw, file: "index.json") }
            }
            switch result {
            case .success(let parsed):
                #expect(parsed.shardFiles.allSatisfy { !$0.contains("/") && $0 != ".." })
            case .failure(let error):
                rejected += 1
                #expect(error.file == "index.json")
            }
        }
        #expect(rejected > 2000)
    }
}
