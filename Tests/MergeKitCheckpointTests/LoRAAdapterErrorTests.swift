import Foundation
import MergeKitCheckpoint
import MergeKitTestSupport
import Testing

/// Broken adapters, each refused at open (or when applied to the base) naming file and tensor.
@Suite struct LoRAAdapterErrorTests {
    private static let base = FixturePaths.lora("llama")
    private static let prefix = "base_model.model.model.layers.0.self_attn."

    private func adapter(
        config: String? = #"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]}"#,
        tensors: [TensorData]?
    ) throws -> TemporaryDirectory {
        try AdapterDirectory.make(config: config, tensors: tensors)
    }

    private func matrix(_ name: String, _ shape: [Int]) -> TensorData {
        TensorData(name: name, dtype: .f32, shape: shape, values: Array(repeating: 0.5, count: shape.reduce(1, *)))
    }

    private func qProj(rankA: Int = 4, rankB: Int = 4, out: Int = 16, module: String = "q_proj") -> [TensorData] {
        [matrix(Self.prefix + module + ".lora_A.weight", [rankA, 16]), matrix(Self.prefix + module + ".lora_B.weight", [out, rankB])]
    }

    private func openError(_ directory: TemporaryDirectory) throws -> LoRAAdapterError {
        try #require(throws: LoRAAdapterError.self) { try LoRAAdapter(directory: directory.path) }
    }

    private func applyError(_ directory: TemporaryDirectory) throws -> LoRAAdapterError {
        let adapter = try LoRAAdapter(directory: directory.path)
        let weights = try CheckpointWeights(directory: Self.base)
        return try #require(throws: LoRAAdapterError.self) { try adapter.apply(to: weights) }
    }

    @Test func aValidSyntheticAdapterApplies() throws {
        let directory = try adapter(tensors: qProj())
        let adapter = try LoRAAdapter(directory: directory.path)
        let adapted = try adapter.apply(to: try CheckpointWeights(directory: Self.base))
        let base = try CheckpointWeights(directory: Self.base)
        let name = "model.layers.0.self_attn.q_proj.weight"
        // Every entry of B·A is 4 × 0.25 = 1, scaled by 8/4.
        let expected = SourceValues.all(try #require(base.tensor(named: name))).map { $0 + 2 }
        expectClose(SourceValues.all(try #require(adapted.tensor(named: name))), expected)
    }

    @Test func aMissingConfigOrWeightsFileIsNamed() throws {
        let noConfig = try adapter(config: nil, tensors: qProj())
        let error = try openError(noConfig)
        #expect(error == LoRAAdapterError(file: noConfig.path, kind: .missingConfig))
        #expect(error.description == "\(noConfig.path): no adapter_config.json (a PEFT LoRA adapter directory has one)")

        let noWeights = try adapter(tensors: nil)
        #expect(try openError(noWeights) == LoRAAdapterError(file: noWeights.path, kind: .missingWeights))
    }

    @Test func aRankMismatchBetweenAAndBNamesTheTensor() throws {
        let directory = try adapter(tensors: qProj(rankA: 4, rankB: 3))
        let error = try openError(directory)
        #expect(error.file == directory.file("adapter_model.safetensors"))
        #expect(error.tensor == Self.prefix + "q_proj.lora_B.weight")
        #expect(error.kind == .rankMismatch(a: [4, 16], b: [16, 3]))
        #expect(error.description.hasSuffix("rank mismatch: lora_A is [4, 16] (rank 4) but lora_B is [16, 3] (rank 3)"))
    }

    @Test func aFactorWithoutItsPartnerIsRefused() throws {
        let directory = try adapter(tensors: [matrix(Self.prefix + "q_proj.lora_A.weight", [4, 16])])
        let error = try openError(directory)
        #expect(error.kind == .missingPartner(module: "model.layers.0.self_attn.q_proj", missing: "lora_B"))
        #expect(error.tensor == Self.prefix + "q_proj.lora_A.weight")
    }

    @Test func aShapeThatDoesNotFitTheBaseIsRefusedWhenApplied() throws {
        let directory = try adapter(tensors: qProj(out: 20))
        let error = try applyError(directory)
        #expect(error.tensor == Self.prefix + "q_proj.lora_A.weight")
        #expect(error.kind == .shapeMismatch(
            baseTensor: "model.layers.0.self_attn.q_proj.weight", base: [16, 16], delta: [20, 16], layout: "B·A"))
        #expect(error.description.hasSuffix(
            "its update B·A is [20, 16], but base tensor 'model.layers.0.self_attn.q_proj.weight' is [16, 16]"))
    }

    @Test func aModuleTheBaseDoesNotHaveIsRefusedWhenApplied() throws {
        let tensors = [
            matrix("base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight", [4, 16]),
            matrix("base_model.model.model.layers.7.self_attn.q_proj.lora_B.weight", [16, 4]),
        ]
        let error = try applyError(try adapter(tensors: tensors))
        #expect(error.kind == .baseTensorMissing(baseTensor: "model.layers.7.self_attn.q_proj.weight", baseModel: Self.base))
        #expect(error.tensor == "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight")
    }

    @Test func aReplacementOfAnotherShapeIsRefusedWhenApplied() throws {
        let error = try applyError(try adapter(tensors: qProj() + [matrix("base_model.model.lm_head.weight", [16, 16])]))
        #expect(error.kind == .replacementShapeMismatch(baseTensor: "lm_head.weight", base: [32, 16], replacement: [16, 16]))
    }

    @Test func aReplacementThatCannotBeMergedIsRefusedWhenApplied() throws {
        let directory = try TemporaryDirectory()
        let head = "base_model.model.lm_head.weight"
        try TorchArchive.write(
            to: directory.file("adapter_model.bin"),
            pickle: PickleBuilder.stateDict([.init(name: head, storageClass: "IntStorage", storageCount: 512, shape: [32, 16], strides: [16, 1])]),
            storages: [("0", Array(repeating: 0, count: 2048))])
        try #"{"r": 4}"#.write(toFile: directory.file("adapter_config.json"), atomically: false, encoding: .utf8)
        let error = try applyError(directory)
        #expect(error.tensor == head)
        #expect(error.kind == .notMergeable(dtype: "int32"))
    }

    @Test func aModuleTargetModulesDoesNotSelectIsRefused() throws {
        let directory = try adapter(
            config: #"{"r": 4, "lora_alpha": 8, "target_modules": ["v_proj"]}"#, tensors: qProj())
        let error = try openError(directory)
        #expect(error.kind == .notTargeted(module: "model.layers.0.self_attn.q_proj", targetModules: "'v_proj'"))
    }

    @Test func targetModulesAsARegularExpressionMustMatchTheWholeName() throws {
        let matching = try adapter(config: #"{"r": 4, "target_modules": ".*\\.(q|v)_proj"}"#, tensors: qProj())
        #expect(try LoRAAdapter(directory: matching.path).modules.count == 1)
        let partial = try adapter(config: #"{"r": 4, "target_modules": "q_proj"}"#, tensors: qProj())
        #expect(try openError(partial).kind == .notTargeted(module: "model.layers.0.self_attn.q_proj", targetModules: "'q_proj'"))
    }

    @Test func aConfiguredRankOtherThanTheTensorsIsRefused() throws {
        let plain = try adapter(config: #"{"r": 8, "target_modules": ["q_proj"]}"#, tensors: qProj())
        #expect(try openError(plain).kind == .configuredRankMismatch(
            module: "model.layers.0.self_attn.q_proj", configured: 8, source: "r", found: 4))
        let patterned = try adapter(config: #"{"r": 4, "rank_pattern": {"q_proj": 2}}"#, tensors: qProj())
        #expect(try openError(patterned).kind == .configuredRankMismatch(
            module: "model.layers.0.self_attn.q_proj", configured: 2, source: "rank_pattern 'q_proj'", found: 4))
    }

    @Test(arguments: [
        (#"{"r": 4, "use_dora": true}"#, LoRAAdapterError.Kind.unsupportedFeature("DoRA (use_dora)")),
        (#"{"r": 4, "lora_bias": true}"#, .unsupportedFeature("LoRA biases (lora_bias)")),
        (#"{"r": 4, "layer_replication": [[0, 1]]}"#, .unsupportedFeature("layer_replication")),
        (#"{"peft_type": "PREFIX_TUNING"}"#, .unsupportedFeature("peft_type 'PREFIX_TUNING' (not LORA)")),
        (#"{"r": "four"}"#, .invalidField("r", expected: "a positive integer", found: "a string")),
        (#"{"r": 4, "lora_alpha": true}"#, .invalidField("lora_alpha", expected: "a number", found: "a boolean")),
        (#"{"r": 4, "target_modules": [1]}"#, .invalidField("target_modules", expected: "a list of module names or a regular expression", found: "an array")),
        (#"{"r": 4, "rank_pattern": {"(": 2}}"#, .invalidPattern(field: "rank_pattern", pattern: "(")),
        (#"[4]"#, .invalidField("adapter_config.json", expected: "an object", found: "an array")),
        (#"{"r": 4,"#, .invalidJSON("")),
    ])
    func configsWhoseMergeIsNotPlainLoRAAreRefused(config: String, kind: LoRAAdapterError.Kind) throws {
        let directory = try adapter(config: config, tensors: qProj())
        let error = try openError(directory)
        #expect(error.file == directory.file("adapter_config.json"))
        if case .invalidJSON = kind {
            guard case .invalidJSON = error.kind else {
                Issue.record("expected invalid JSON, got \(error)")
                return
            }
        } else {
            #expect(error.kind == kind)
        }
    }

    @Test(arguments: [
        ("model.layers.0.self_attn.q_proj.lora_A.weight", LoRAAdapterError.Kind.notAPEFTName),
        (prefix + "q_proj.lora_magnitude_vector", .unsupportedFeature("DoRA (lora_magnitude_vector)")),
        (prefix + "q_proj.lora_B.bias", .unsupportedTensor("lora_B")),
    ])
    func tensorsThatAreNotPlainLoRAAreRefused(name: String, kind: LoRAAdapterError.Kind) throws {
        let directory = try adapter(tensors: qProj() + [matrix(name, [16, 1])])
        let error = try openError(directory)
        #expect(error.tensor == name)
        #expect(error.kind == kind)
    }

    @Test func aFactorThatIsNotAMatrixIsRefused() throws {
        let directory = try adapter(tensors: [
            matrix(Self.prefix + "q_proj.lora_A.weight", [4, 16, 1]), matrix(Self.prefix + "q_proj.lora_B.weight", [16, 4]),
        ])
        #expect(try openError(directory).kind == .notAMatrix(shape: [4, 16, 1]))
    }

    @Test func aHostileAdapterBinIsRefusedNamingTheFile() throws {
        let directory = try adapter(tensors: nil)
        let path = directory.file("adapter_model.bin")
        try FileManager.default.copyItem(atPath: FixturePaths.pytorch("hostile_system.bin"), toPath: path)
        let error = try openError(directory)
        #expect(error.file == path)
        #expect(error.description.hasPrefix(path + ": data.pkl: pickle byte "))
        #expect(error.description.contains("refuses the global 'posix.system'"))
    }
}
