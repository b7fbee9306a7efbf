import Foundation
import MergeKitMoE
import MergeKitSafetensors
import MergeKitTensor
import MergeKitTestSupport
import Testing

/// Our MoE models against mergekit 0.1.5's for the same configurations (Fixtures/cases): the
/// same tensors, shapes and dtypes; attention, norms, embeddings and experts byte for byte; the
/// same config.json; cheap_embed gates equal up to summation order; hidden-state gates equal to
/// a float32 run of mergekit's computation (mergekit's own runs in bfloat16, so against it only
/// the direction is compared); random gates by shape (the values come from our documented RNG).
@Suite struct MoEConformanceTests {
    static let cases = [
        "mixtral_random", "mixtral_cheap_embed", "mixtral_hidden", "qwen_moe_cheap_embed", "qwen_moe_hidden",
        "qwen3_moe_cheap_embed", "qwen3_moe_hidden",
    ]

    static func isGate(_ name: String) -> Bool { name.hasSuffix("mlp.gate.weight") || name.hasSuffix("shared_expert_gate.weight") }

    /// bf16: one unit in the last place of the larger value; float32: 1e-6 absolute.
    static func close(_ a: Float, _ b: Float, dtype: DType, tolerance: Float) -> Bool {
        guard dtype == .bf16 else { return abs(a - b) <= tolerance }
        return abs(a - b) <= max(abs(a), abs(b)) * 0x1p-7 + tolerance
    }

    @Test(arguments: cases) func matchesMergekit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let (plan, output) = try MoEFixtures.build(name, in: directory)
        let ours = try StoredTensors(file: output + "/model.safetensors")
        let theirs = try StoredTensors(file: MoEFixtures.golden(name) + "/out/model.safetensors")
        #expect(Set(ours.tensors.keys) == Set(theirs.tensors.keys))
        for (key, their) in theirs.tensors {
            let our = try #require(ours[key])
            #expect(our.shape == their.shape && our.dtype == their.dtype, "\(key)")
            if !Self.isGate(key) {
                #expect(our.bytes == their.bytes, "\(key)")
            } else if plan.config.gateMode.value == .cheapEmbed {
                for (a, b) in zip(our.values, their.values) {
                    #expect(Self.close(a, b, dtype: our.dtype, tolerance: 1e-6), "\(key): \(a) vs \(b)")
                }
            } else if plan.config.gateMode.value.usesHiddenStates {
                // Same direction as mergekit's bfloat16 forward pass.
                let hidden = our.shape[1]
                for row in 0..<our.shape[0] {
                    let a = our.values[(row * hidden)..<((row + 1) * hidden)]
                    let b = their.values[(row * hidden)..<((row + 1) * hidden)]
                    let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
                    let cosine = dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
                    #expect(cosine > 0.999, "\(key) row \(row): cosine \(cosine)")
                }
            }
        }
        if plan.config.gateMode.value.usesHiddenStates {
            let reference = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: MoEFixtures.golden(name) + "/reference_gates.json")))
            let layers = try #require(reference.arrayValue)
            for (layer, rows) in layers.enumerated() {
                var gate = try #require(ours["model.layers.\(layer).mlp.gate.weight"])
                if let shared = ours["model.layers.\(layer).mlp.shared_expert_gate.weight"] { gate.values += shared.values }
                let expected = (rows.arrayValue ?? []).flatMap { $0.arrayValue ?? [] }.compactMap(\.doubleValue).map(Float.init)
                #expect(expected.count == gate.values.count)
                for (a, b) in zip(gate.values, expected) {
                    #expect(Self.close(a, b, dtype: gate.dtype, tolerance: 1e-5), "layer \(layer): \(a) vs float32 reference \(b)")
                }
            }
        }
        let ourConfig = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: output + "/config.json")))
        let theirConfig = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: MoEFixtures.golden(name) + "/out/config.json")))
        for key in try #require(theirConfig.objectValue?.keys) where key != "transformers_version" {
            #expect(ourConfig[key]?.serialized() == theirConfig[key]?.serialized(), "config.json: \(key)")
        }
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: output))
        #expect(files == ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "README.md", "mergekit_moe_config.yml"])
        #expect(FileManager.default.contents(atPath: output + "/mergekit_moe_config.yml")
            == FileManager.default.contents(atPath: MoEFixtures.golden(name) + "/config.yaml"))
    }

    @Test func randomGatesAreReproducibleFromTheSeedAlone() throws {
        let directory = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        let first = try StoredTensors(file: MoEFixtures.build("mixtral_random", seed: 7, in: directory).output + "/model.safetensors")
        let again = try StoredTensors(file: MoEFixtures.build("mixtral_random", seed: 7, in: second).output + "/model.safetensors")
        let other = try StoredTensors(file: MoEFixtures.build("mixtral_random", seed: 8, in: directory).output + "/model.safetensors")
        let gate = "model.layers.1.mlp.gate.weight"
        #expect(first[gate]?.bytes == again[gate]?.bytes)
        #expect(first[gate]?.bytes != other[gate]?.bytes)
        #expect(first["model.layers.0.mlp.experts.down_proj"]?.bytes == other["model.layers.0.mlp.experts.down_proj"]?.bytes)
    }

    /// The documented stream (docs/rng.md): row r of layer l is N(0,1) numbers from
    /// TensorSeed(seed, "model.layers.<l>.mlp.gate", r) by Box–Muller; checked value by value.
    @Test func randomGatesFollowTheDocumentedStream() throws {
        let directory = try TemporaryDirectory()
        let (_, output) = try MoEFixtures.build("mixtral_random", seed: 42, in: directory)
        let gates = try StoredTensors(file: output + "/model.safetensors")
        let gate = try #require(gates["model.layers.1.mlp.gate.weight"])
        let hidden = gate.shape[1]
        for row in 0..<gate.shape[0] {
            let stream = TensorSeedReference(seed: 42, name: "model.layers.1.mlp.gate", position: row)
            for h in 0..<hidden {
                let expected = BFloat16Conversion.decode(BFloat16Conversion.encode(Float(stream.normal(h))))
                #expect(gate.values[row * hidden + h] == expected)
            }
        }
        let all = gate.values.map(Double.init)
        let mean = all.reduce(0, +) / Double(all.count)
        #expect(abs(mean) < 0.5)
    }
}
