import Foundation
import MergeKitLoRAExtraction
import MergeKitTestSupport
import Testing

/// mergekit-extract-lora's module rules, decided from the headers alone, and the checks that
/// reject a run before any weight is read.
@Suite struct ExtractionPlanTests {
    func options(_ model: String = "qwen_ft", base: String = "qwen_base") -> ExtractionOptions {
        ExtractionOptions(model: LoRAFixtures.model(model), baseModel: LoRAFixtures.model(base), outputPath: "unused")
    }

    func saved(_ plan: ExtractionPlan) -> [String] { plan.savedModules.map(\.name) }
    func decomposed(_ plan: ExtractionPlan) -> [String] { plan.decompositions.map(\.module.name) }

    @Test func defaultsSaveEmbeddingsAndNormsAndDecomposeEveryLinear() throws {
        let plan = try ExtractionPlan.make(options())
        #expect(plan.modulesToSave == ["embed_tokens", "input_layernorm", "post_attention_layernorm", "norm", "lm_head"])
        #expect(decomposed(plan).count == 14)
        #expect(saved(plan).first == "model.embed_tokens")
        #expect(saved(plan).last == "lm_head")
        // The tied head is the input embedding's tensor, saved under the head's name.
        let head = try #require(plan.savedModules.last)
        #expect(head.weightTensor == "model.embed_tokens.weight")
        let query = try #require(plan.decompositions.first { $0.module.name == "model.layers.0.self_attn.q_proj" })
        #expect(query.module.biasTensor == "model.layers.0.self_attn.q_proj.bias")
        #expect((query.rows, query.columns, query.rank, query.transposed) == (32, 32, 32, false))
    }

    /// mergekit 0.1.5 crashes here ('tuple' object has no attribute 'append').
    @Test func saveModuleWorksAlongsideTheKeysAddedAutomatically() throws {
        var options = options()
        options.modulesToSave = ["q_proj"]
        options.maxRank = 4
        let plan = try ExtractionPlan.make(options)
        #expect(plan.modulesToSave == ["q_proj", "embed_tokens", "input_layernorm", "post_attention_layernorm", "norm", "lm_head"])
        #expect(!decomposed(plan).contains { $0.hasSuffix("q_proj") })
        #expect(saved(plan).contains("model.layers.1.self_attn.q_proj"))
        #expect(plan.decompositions.allSatisfy { $0.rank == 4 })
    }

    @Test func embedLoRADecomposesTheEmbeddingTransposedAndTheHeadAsALinear() throws {
        var options = options()
        options.embedLoRA = true
        let plan = try ExtractionPlan.make(options)
        #expect(plan.modulesToSave == ["input_layernorm", "post_attention_layernorm", "norm"])
        let embedding = try #require(plan.decompositions.first)
        #expect(embedding.module.name == "model.embed_tokens")
        #expect((embedding.rows, embedding.columns, embedding.transposed) == (32, 64, true))
        let head = try #require(plan.decompositions.last)
        #expect(head.module.name == "lm_head")
        #expect(head.baseWeightTensor == "model.embed_tokens.weight")
        #expect((head.rows, head.columns, head.transposed) == (64, 32, false))
    }

    @Test func addedTokensTurnEmbedLoRAOff() throws {
        var options = options("qwen_ft_added_tokens")
        options.embedLoRA = true
        let plan = try ExtractionPlan.make(options)
        #expect(plan.fineTunedVocabularySize == 72 && plan.baseVocabularySize == 64)
        #expect(plan.warnings.first?.contains("vocabulary sizes differ") == true)
        #expect(saved(plan).contains("model.embed_tokens") && saved(plan).contains("lm_head"))
        #expect(!decomposed(plan).contains("model.embed_tokens"))
    }

    @Test func excludedEmbeddingsAreLeftOutNotSaved() throws {
        var options = options()
        options.excludePatterns = ["embed_tokens"]
        let plan = try ExtractionPlan.make(options)
        #expect(!plan.modulesToSave.contains("embed_tokens"))
        #expect(!saved(plan).contains("model.embed_tokens"))
        #expect(saved(plan).contains("lm_head"))
    }

    /// A key joins modules_to_save when its first module is met, so excluding a later module
    /// with the same key does not stop it from being saved (PEFT matches the key anyway).
    @Test func exclusionOfAModuleWhoseKeyIsAlreadySavedFollowsMergekit() throws {
        var later = options()
        later.excludePatterns = [#"layers\.1\.input_layernorm"#]
        #expect(saved(try ExtractionPlan.make(later)).contains("model.layers.1.input_layernorm"))
        var first = options()
        first.excludePatterns = [#"layers\.0\.input_layernorm"#]
        let plan = try ExtractionPlan.make(first)
        #expect(!saved(plan).contains("model.layers.0.input_layernorm"))
        #expect(saved(plan).contains("model.layers.1.input_layernorm"))
    }

    @Test func skipUndecomposableLeavesNormsOut() throws {
        var options = options()
        options.skipUndecomposable = true
        let plan = try ExtractionPlan.make(options)
        #expect(plan.modulesToSave == ["embed_tokens", "lm_head"])
        #expect(!saved(plan).contains { $0.hasSuffix("norm") })
    }

    @Test func badRegularExpressionsAreArgumentErrors() {
        var options = options()
        options.excludePatterns = ["("]
        options.includePatterns = ["mlp", "[z-a]"]
        #expect {
            try ExtractionPlan.make(options)
        } throws: { error in
            guard let error = error as? ExtractionError, error.kind == .arguments else { return false }
            return error.problems.count == 2 && error.problems.contains { $0.hasPrefix("--exclude-regex '(' is not a valid regular expression") }
        }
    }

    @Test func nothingToDecomposeIsAnError() {
        var options = options()
        options.includePatterns = ["no_such_module"]
        #expect {
            try ExtractionPlan.make(options)
        } throws: { error in
            (error as? ExtractionError)?.problems.first?.hasPrefix("no module is left to decompose") == true
        }
    }

    @Test func everyMissingOrMismatchedModuleIsReportedBeforeReadingWeights() throws {
        let directory = try TemporaryDirectory()
        let config = TinyCheckpoint.llamaConfig(layers: 2, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32)
        try TinyCheckpoint.write(TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32, seed: 1),
                                 to: directory.path + "/ft", config: config)
        let smallerConfig = TinyCheckpoint.llamaConfig(layers: 1, hidden: 8, intermediate: 12, vocab: 16, dtype: .f32)
        try TinyCheckpoint.write(TinyCheckpoint.llama(layers: 1, hidden: 8, intermediate: 12, vocab: 16, dtype: .f32, seed: 2),
                                 to: directory.path + "/base", config: smallerConfig)
        let options = ExtractionOptions(model: directory.path + "/ft", baseModel: directory.path + "/base", outputPath: directory.path + "/out")
        #expect {
            try ExtractionPlan.make(options)
        } throws: { error in
            guard let error = error as? ExtractionError, error.kind == .checkpoint else { return false }
            // Layer 1's seven linear weights are missing; layer 0's three MLP weights differ in shape.
            let missing = error.problems.filter { $0.contains("no tensor 'model.layers.1.") }
            let shapes = error.problems.filter { $0.contains("shape [16, 8] in") || $0.contains("shape [8, 16] in") }
            return error.problems.count == 10 && missing.count == 7 && shapes.count == 3
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out"))
    }

    @Test func unsupportedArchitecturesAreRefused() throws {
        let directory = try TemporaryDirectory()
        let tensors = TinyCheckpoint.llama(layers: 1, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32, seed: 1)
        let config = TinyCheckpoint.llamaConfig(layers: 1, hidden: 8, intermediate: 16, vocab: 16, dtype: .f32)
            .replacingOccurrences(of: "LlamaForCausalLM", with: "GPT2LMHeadModel")
        try TinyCheckpoint.write(tensors, to: directory.path + "/ft", config: config)
        let options = ExtractionOptions(model: directory.path + "/ft", baseModel: directory.path + "/ft", outputPath: directory.path + "/out")
        #expect {
            try ExtractionPlan.make(options)
        } throws: { error in
            "\(error)".contains("architecture 'GPT2LMHeadModel' is not supported by extract-lora")
        }
    }
}
