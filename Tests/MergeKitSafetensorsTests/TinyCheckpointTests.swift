import Foundation
import MergeKitSafetensors
import MergeKitTensor
import MergeKitTestSupport
import Testing

@Suite("Tiny checkpoints")
struct TinyCheckpointTests {
    @Test("Llama tensors: names, shapes, deterministic values already rounded to the dtype")
    func llamaTensors() {
        let tensors = TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 12, vocab: 10, dtype: .bf16, seed: 1)
        #expect(tensors.count == 2 + 9 * 2 + 1)
        #expect(tensors.first?.name == "model.embed_tokens.weight")
        #expect(tensors.first?.shape == [10, 8])
        #expect(tensors.last?.name == "lm_head.weight")
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
        #expect(byName["model.layers.1.mlp.down_proj.weight"]?.shape == [8, 12])
        #expect(byName["model.layers.1.mlp.gate_proj.weight"]?.shape == [12, 8])
        #expect(byName["model.layers.0.self_attn.k_proj.weight"]?.shape == [8, 8])
        #expect(byName["model.norm.weight"]?.values.allSatisfy { abs($0 - 1) <= 0.05 } == true)
        for tensor in tensors {
            #expect(tensor.values.count == tensor.shape.reduce(1, *))
            #expect(tensor.values.allSatisfy { BFloat16Conversion.decode(BFloat16Conversion.encode($0)) == $0 })
        }
        #expect(TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 12, vocab: 10, dtype: .bf16, seed: 1) == tensors)
        let other = TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 12, vocab: 10, dtype: .bf16, seed: 2)
        #expect(other.map(\.values) != tensors.map(\.values))
    }

    @Test("write → readAll returns the same tensors", arguments: [1, 3], [DType.bf16, .f16, .f32])
    func roundTrip(shards: Int, dtype: DType) throws {
        let directory = try TemporaryDirectory()
        let tensors = TinyCheckpoint.llama(layers: 2, hidden: 4, intermediate: 6, vocab: 5, dtype: dtype, seed: 9)
        let config = TinyCheckpoint.llamaConfig(layers: 2, hidden: 4, intermediate: 6, vocab: 5, dtype: dtype)
        try TinyCheckpoint.write(tensors, to: directory.path, config: config, shards: shards)

        let read = try TinyCheckpoint.readAll(directory.path)
        #expect(read == Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) }))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        if shards == 1 {
            #expect(files == ["config.json", "model.safetensors"])
        } else {
            #expect(files == ["config.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                              "model-00003-of-00003.safetensors", "model.safetensors.index.json"])
            let index = try CheckpointIndex.load(path: directory.file("model.safetensors.index.json"))
            #expect(index.weightMap.count == tensors.count)
        }
        let parsed = try JSONParser.parse(try MappedFile(path: directory.file("config.json")).withBytes { Array($0) })
        #expect(parsed["num_hidden_layers"]?.intValue == 2)
        #expect(parsed["torch_dtype"]?.stringValue == dtype.torchName)
        #expect(parsed["architectures"] == ["LlamaForCausalLM"])
    }

    @Test("impossible shard counts are errors, not silently different layouts")
    func tooManyShards() throws {
        let directory = try TemporaryDirectory()
        let tensors = [TensorData(name: "w", dtype: .f32, shape: [1], values: [1])]
        #expect(throws: TinyCheckpointError.self) {
            try TinyCheckpoint.write(tensors, to: directory.path, config: "{}", shards: 2)
        }
    }

    @Test("expectClose passes within tolerance")
    func closeness() {
        expectClose([1, 2, .nan, .infinity], [1.000001, 2, .nan, .infinity], rtol: 1e-5, atol: 0)
    }

    @Test("expectClose fails outside tolerance, on infinities, and on length", arguments: [
        ([Float(1)], [Float(1.1)]), ([1], [.infinity]), ([.nan], [1]), ([1, 2], [1]),
    ])
    func closenessFailures(actual: [Float], expected: [Float]) {
        withKnownIssue {
            expectClose(actual, expected, rtol: 1e-3, atol: 1e-3)
        }
    }
}
