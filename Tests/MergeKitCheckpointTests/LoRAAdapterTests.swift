import Foundation
import MergeKitCheckpoint
import MergeKitTensor
import MergeKitTestSupport
import Testing

@Suite struct LoRAAdapterTests {
    /// The adapter `name` applied to its base, tensor by tensor against PEFT's merge_and_unload().
    private func expectMatchesPEFT(
        _ name: String, base: String = "llama", sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CheckpointWeights {
        let weights = try CheckpointWeights(directory: FixturePaths.lora(base))
        let adapter = try LoRAAdapter(directory: FixturePaths.lora(name))
        let adapted = try adapter.apply(to: weights)
        let expected = try SourceValues.safetensors(FixturePaths.lora(name) + "/expected.safetensors")
        #expect(adapted.tensorNames == weights.tensorNames, sourceLocation: sourceLocation)
        #expect(Set(adapted.tensorNames) == Set(expected.keys), sourceLocation: sourceLocation)
        for tensorName in adapted.tensorNames {
            let source = try #require(adapted.tensor(named: tensorName), sourceLocation: sourceLocation)
            let twin = try #require(expected[tensorName], sourceLocation: sourceLocation)
            #expect(source.shape == twin.shape, "\(tensorName)", sourceLocation: sourceLocation)
            expectClose(SourceValues.all(source), SourceValues.all(twin), sourceLocation: sourceLocation)
            // Ranges that start and end inside rows give the same values.
            #expect(SourceValues.chunked(source, chunk: 7) == SourceValues.all(source), "\(tensorName)", sourceLocation: sourceLocation)
        }
        return adapted
    }

    @Test func plainLoRAMatchesPEFT() throws {
        let adapted = try expectMatchesPEFT("llama_plain")
        let adapter = try LoRAAdapter(directory: FixturePaths.lora("llama_plain"))
        #expect(adapter.modules.count == 6)
        #expect(adapter.modules.allSatisfy { $0.scale == 2 && $0.rank == 4 && $0.layout == .product })
        // Tensors the adapter does not touch are the base's, still copyable byte for byte.
        let norm = try #require(adapted.tensor(named: "model.norm.weight"))
        #expect(norm is SafetensorsTensor)
        #expect(adapted.tensor(named: "model.layers.0.self_attn.q_proj.weight") is LoRAAdaptedTensor)
        #expect(adapted.tensor(named: "model.layers.0.self_attn.q_proj.weight").flatMap(SourceValues.bytes) == nil)
        #expect(adapted.files.suffix(2) == adapter.files)
    }

    @Test func rsLoRAScalesByAlphaOverTheRootOfTheRank() throws {
        _ = try expectMatchesPEFT("llama_rslora")
        let adapter = try LoRAAdapter(directory: FixturePaths.lora("llama_rslora"))
        #expect(adapter.config.usesRSLoRA)
        #expect(adapter.modules.allSatisfy { $0.scale == 4 })
    }

    @Test func modulesToSaveReplaceTheBaseTensor() throws {
        let adapted = try expectMatchesPEFT("llama_modules_to_save")
        let head = try #require(adapted.tensor(named: "lm_head.weight"))
        #expect(head.name == "base_model.model.lm_head.weight")
        #expect(head.file.hasSuffix("llama_modules_to_save/adapter_model.safetensors"))
    }

    @Test func embeddingLoRAAddsTheTransposedProduct() throws {
        _ = try expectMatchesPEFT("llama_embedding")
        let adapter = try LoRAAdapter(directory: FixturePaths.lora("llama_embedding"))
        let embedding = try #require(adapter.modules.first { $0.name == "model.embed_tokens" })
        #expect(embedding.layout == .transposedProduct)
        #expect(embedding.deltaShape == [32, 16])
        #expect(adapter.replacements.map(\.baseTensor) == ["model.embed_tokens.weight"])
    }

    @Test func rankAndAlphaPatternsApplyPerModule() throws {
        _ = try expectMatchesPEFT("llama_patterns")
        let adapter = try LoRAAdapter(directory: FixturePaths.lora("llama_patterns"))
        let scales = Dictionary(uniqueKeysWithValues: adapter.modules.map { ($0.name, $0.scale) })
        #expect(scales["model.layers.0.self_attn.q_proj"] == 2)
        #expect(scales["model.layers.1.self_attn.q_proj"] == 0.75)
        #expect(scales["model.layers.0.self_attn.v_proj"] == 4)
    }

    @Test func anAdapterSavedAsPyTorchBinApplies() throws {
        _ = try expectMatchesPEFT("llama_bin")
    }

    @Test func fanInFanOutAdaptsConv1DWeights() throws {
        _ = try expectMatchesPEFT("gpt2_fan_in_fan_out", base: "gpt2")
        let adapter = try LoRAAdapter(directory: FixturePaths.lora("gpt2_fan_in_fan_out"))
        #expect(adapter.modules.allSatisfy { $0.layout == .transposedProduct })
    }

    /// Rows wide enough for every code path (32-column blocks, 8-column blocks, a scalar tail),
    /// in both layouts, against W + s·ΔW computed naively in Double; any range gives the same bits.
    @Test(arguments: [false, true])
    func wideRowsMatchANaiveProductInEveryRange(fanInFanOut: Bool) throws {
        let (rows, columns, rank) = (5, 45, 3)
        let baseShape = [rows, columns]
        let base = try TemporaryDirectory()
        let weights = AdapterDirectory.values(baseShape, seed: 1)
        try TinyCheckpoint.write(
            [TensorData(name: "layer.proj.weight", dtype: .f32, shape: baseShape, values: weights)], to: base.path, config: "{}")
        // fan_in_fan_out stores the base as [in, out] = [rows, columns]: A is [r, rows], B [columns, r].
        let aShape = fanInFanOut ? [rank, rows] : [rank, columns]
        let bShape = fanInFanOut ? [columns, rank] : [rows, rank]
        let a = AdapterDirectory.values(aShape, seed: 2)
        let b = AdapterDirectory.values(bShape, seed: 3)
        let adapterDirectory = try AdapterDirectory.make(
            config: #"{"r": 3, "lora_alpha": 4.5, "fan_in_fan_out": \#(fanInFanOut)}"#,
            tensors: [
                TensorData(name: "base_model.model.layer.proj.lora_A.weight", dtype: .f32, shape: aShape, values: a),
                TensorData(name: "base_model.model.layer.proj.lora_B.weight", dtype: .f32, shape: bShape, values: b),
            ])
        let adapted = try LoRAAdapter(directory: adapterDirectory.path).apply(to: try CheckpointWeights(directory: base.path))
        let source = try #require(adapted.tensor(named: "layer.proj.weight"))

        var expected: [Float] = []
        for i in 0..<rows {
            for j in 0..<columns {
                var delta = 0.0
                for k in 0..<rank {
                    delta += fanInFanOut
                        ? Double(a[k * rows + i]) * Double(b[j * rank + k])
                        : Double(b[i * rank + k]) * Double(a[k * columns + j])
                }
                expected.append(Float(Double(weights[i * columns + j]) + 1.5 * delta))
            }
        }
        let whole = SourceValues.all(source)
        expectClose(whole, expected)
        for chunk in [1, 7, 44, 46, 100] {
            #expect(SourceValues.chunked(source, chunk: chunk) == whole, "chunk \(chunk)")
        }
    }
}
