import Foundation
import MergeKitLoRAExtraction
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// Our adapters against mergekit 0.1.5's for the same models and flags (Fixtures/cases): the same
/// tensors, shapes, dtypes and config; full-rank tensors byte for byte; each factor pair's
/// reconstruction error within 1% of the optimal rank-r error (Eckart–Young) and of mergekit's.
@Suite struct ExtractionConformanceTests {
    static let cases = ["qwen_r8", "qwen_embed_nodistribute_r4", "qwen_filters", "qwen_added_tokens", "llama_bf16_r16"]

    @Test(arguments: cases) func matchesMergekit(_ name: String) throws {
        let golden = LoRAFixtures.golden(name)
        let recordJSON = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: golden + "/case.json")))
        let record = try #require(recordJSON.objectValue)
        let argumentValues = try #require(record["arguments"]?.arrayValue)
        let arguments = argumentValues.compactMap(\.stringValue)
        let directory = try TemporaryDirectory()
        var options = LoRAFixtures.options(arguments, output: directory.path + "/adapter")
        options.threads = 2
        let plan = try ExtractionPlan.make(options)
        _ = try LoRAExtractor(plan: plan, invocation: "test").run()

        let ours = try StoredTensors(file: options.outputPath + "/adapter_model.safetensors")
        let theirs = try StoredTensors(file: golden + "/adapter_model.safetensors")
        let renamed = Set(theirs.tensors.keys.map { $0.replacingOccurrences(of: ".lora_B.bias", with: ".base_layer.bias") })
        #expect(Set(ours.tensors.keys) == renamed)

        let fineTuned = try TinyCheckpoint.readAll(options.model)
        let base = try TinyCheckpoint.readAll(options.baseModel)
        for (key, theirTensor) in theirs.tensors {
            let ourKey = key.replacingOccurrences(of: ".lora_B.bias", with: ".base_layer.bias")
            let ourTensor = try #require(ours[ourKey])
            #expect(ourTensor.shape == theirTensor.shape, "\(key)")
            #expect(ourTensor.dtype == theirTensor.dtype, "\(key)")
            if key.hasSuffix(".lora_B.bias") {
                // mergekit stores the delta; we store the fine-tuned bias PEFT loads into the base layer.
                let module = String(key.dropFirst("base_model.model.".count).dropLast(".lora_B.bias".count))
                let baseBias = try #require(base[module + ".bias"]).values
                #expect(zip(ourTensor.values, baseBias).map { $0 - $1 } == theirTensor.values, "\(key)")
            } else if !key.contains(".lora_") {
                #expect(ourTensor.bytes == theirTensor.bytes, "\(key)")
            }
        }

        let modules = try #require(record["modules"]?.objectValue)
        for entry in modules {
            let module = entry.key
            let optimal = try #require(entry.value["optimal_relative_error"]?.doubleValue)
            let mergekit = try #require(entry.value["mergekit_relative_error"]?.doubleValue)
            let embedding = ours["base_model.model." + module + ".lora_embedding_A"] != nil
            let (aName, bName) = embedding ? (".lora_embedding_A", ".lora_embedding_B") : (".lora_A.weight", ".lora_B.weight")
            let a = try #require(ours["base_model.model." + module + aName])
            let b = try #require(ours["base_model.model." + module + bName])
            let (m, r, n) = (b.shape[0], a.shape[0], a.shape[1])
            #expect(r == entry.value["rank"]?.intValue, "\(module)")
            let weight = module + ".weight"
            let fineTunedWeight = try #require(fineTuned[weight] ?? fineTuned["model.embed_tokens.weight"])
            let baseWeight = try #require(base[weight] ?? base["model.embed_tokens.weight"])
            var delta = zip(fineTunedWeight.values, baseWeight.values).map { Double($0) - Double($1) }
            if embedding {
                let stored = fineTunedWeight.shape
                delta = (0..<(stored[1] * stored[0])).map { delta[($0 % stored[0]) * stored[1] + $0 / stored[0]] }
            }
            let reconstruction = product(b.values.map(Double.init), a.values.map(Double.init), rows: m, rank: r, columns: n)
            let error = norm(zip(delta, reconstruction).map { $0 - $1 }) / norm(delta)
            // Storing the factors rounds them (bf16: relative 2⁻⁹ per element), which adds up to
            // about twice that to B·A whatever the rank.
            let rounding = a.dtype == .bf16 ? 2 * 0x1p-9 : a.dtype == .f16 ? 2 * 0x1p-11 : 1e-6
            #expect(error <= optimal * 1.01 + rounding, "\(module): \(error) vs optimal \(optimal)")
            #expect(error <= mergekit * 1.01 + rounding, "\(module): \(error) vs mergekit \(mergekit)")
        }

        let ourConfig = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: options.outputPath + "/adapter_config.json")))
        let theirConfig = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: golden + "/adapter_config.json")))
        for key in try #require(theirConfig.objectValue?.keys) {
            switch key {
            case "base_model_name_or_path":
                #expect(ourConfig[key]?.stringValue == options.baseModel)
            case "target_modules":
                #expect(Set(ourConfig[key]?.arrayValue?.compactMap(\.stringValue) ?? [])
                    == Set(theirConfig[key]?.arrayValue?.compactMap(\.stringValue) ?? []))
            default:
                #expect(ourConfig[key] == theirConfig[key], "\(key)")
            }
        }
        let savesBiases = ours.tensors.keys.contains { $0.hasSuffix(".base_layer.bias") }
        #expect(ourConfig["bias"] == (savesBiases ? .string("lora_only") : nil))
    }
}
