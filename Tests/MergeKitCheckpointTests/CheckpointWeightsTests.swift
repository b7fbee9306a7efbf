import Foundation
import MergeKitCheckpoint
import MergeKitTestSupport
import Testing

@Suite struct CheckpointWeightsTests {
    /// Every tensor of `directory` against its expected.safetensors twin, byte for byte.
    private func expectMatchesTwin(_ directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CheckpointWeights {
        let weights = try CheckpointWeights(directory: directory)
        let expected = try SourceValues.safetensors(directory + "/expected.safetensors")
        #expect(Set(weights.tensorNames) == Set(expected.keys), sourceLocation: sourceLocation)
        for name in weights.tensorNames {
            let source = try #require(weights.tensor(named: name), sourceLocation: sourceLocation)
            let twin = try #require(expected[name], sourceLocation: sourceLocation)
            #expect(source.dtype == twin.dtype, "\(name)", sourceLocation: sourceLocation)
            #expect(SourceValues.bytes(source) == SourceValues.bytes(twin), "\(name)", sourceLocation: sourceLocation)
        }
        return weights
    }

    @Test func aSinglePyTorchBinModelReads() throws {
        let directory = FixturePaths.pytorch("model_single")
        let weights = try expectMatchesTwin(directory)
        #expect(weights.files == [directory + "/pytorch_model.bin"])
        #expect(weights.tensorNames.first == "model.embed_tokens.weight")
        #expect(weights.tensorNames.last == "lm_head.weight")
    }

    @Test func aShardedBFloat16PyTorchModelReadsInShardOrder() throws {
        let directory = FixturePaths.pytorch("model_sharded")
        let weights = try expectMatchesTwin(directory)
        #expect(weights.files == [
            directory + "/pytorch_model-00001-of-00002.bin", directory + "/pytorch_model-00002-of-00002.bin",
        ])
        #expect(weights.tensor(named: "model.norm.weight")?.dtype == .bf16)
        #expect(weights.tensorNames.first == "model.embed_tokens.weight")
        #expect(weights.tensorNames.last == "lm_head.weight")
    }

    @Test func safetensorsAreReadAndPreferredOverBin() throws {
        let directory = try TemporaryDirectory()
        let llama = FixturePaths.lora("llama")
        try FileManager.default.copyItem(atPath: llama + "/model.safetensors", toPath: directory.file("model.safetensors"))
        try FileManager.default.copyItem(
            atPath: FixturePaths.pytorch("model_single/pytorch_model.bin"), toPath: directory.file("pytorch_model.bin"))
        let weights = try CheckpointWeights(directory: directory.path)
        #expect(weights.files == [directory.file("model.safetensors")])
        #expect(weights.tensor(named: "model.norm.weight") is SafetensorsTensor)
    }

    @Test func aDirectoryWithoutWeightsSaysWhatWasLookedFor() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: CheckpointWeightsError.self) { try CheckpointWeights(directory: directory.path) }
        #expect(error == .noWeights(directory: directory.path))
        #expect(error.description == "\(directory.path): no weights (looked for model.safetensors.index.json, model.safetensors, pytorch_model.bin.index.json, pytorch_model.bin)")
    }

    @Test func anIndexNamingAMissingShardOrTensorIsRefused() throws {
        let directory = try TemporaryDirectory()
        let index = directory.file("pytorch_model.bin.index.json")
        try #"{"weight_map": {"a": "pytorch_model-00001-of-00001.bin"}}"#.write(toFile: index, atomically: false, encoding: .utf8)
        #expect(throws: CheckpointWeightsError.missingShard(index: index, shard: "pytorch_model-00001-of-00001.bin")) {
            try CheckpointWeights(directory: directory.path)
        }
        try FileManager.default.copyItem(
            atPath: FixturePaths.pytorch("views_f32.bin"), toPath: directory.file("pytorch_model-00001-of-00001.bin"))
        #expect(throws: CheckpointWeightsError.tensorNotInShard(index: index, tensor: "a", shard: "pytorch_model-00001-of-00001.bin")) {
            try CheckpointWeights(directory: directory.path)
        }
    }

    @Test func aBrokenShardKeepsItsOwnMessage() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: FixturePaths.pytorch("legacy.bin"), toPath: directory.file("pytorch_model.bin"))
        let error = try #require(throws: CheckpointWeightsError.self) { try CheckpointWeights(directory: directory.path) }
        #expect(error.file == directory.file("pytorch_model.bin"))
        #expect(error.description.hasPrefix(directory.file("pytorch_model.bin") + ": a PyTorch checkpoint in the legacy"))
    }
}

@Suite struct ModelReferenceTests {
    @Test(arguments: [
        ("org/model", ModelReference(model: "org/model")),
        ("./models/base+./adapters/lora", ModelReference(model: "./models/base", adapter: "./adapters/lora")),
        ("org/base@main+org/lora@v2", ModelReference(model: "org/base@main", adapter: "org/lora@v2")),
    ])
    func referencesSplitAtTheirPlus(text: String, expected: ModelReference) throws {
        #expect(try ModelReference.parse(text) == expected)
        #expect(expected.description == text)
    }

    @Test func moreThanOneAdapterOrAnEmptySideIsAnError() {
        #expect(throws: ModelReference.ParseError.tooManyAdapters("a+b+c")) { try ModelReference.parse("a+b+c") }
        #expect(throws: ModelReference.ParseError.emptyPart("a+")) { try ModelReference.parse("a+") }
        #expect(throws: ModelReference.ParseError.emptyPart("+b")) { try ModelReference.parse("+b") }
        #expect(ModelReference.ParseError.emptyPart("+b").description == "model reference '+b' has nothing before its '+'; write model+adapter")
    }
}
