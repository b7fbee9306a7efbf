import Foundation
import MergeKitEngine
import MergeKitTestSupport
import Testing

/// mergekit's modules derived from structure (`ModelModules`), on every architecture fixture
/// (transformers 5 checkpoints), on the mergekit-named ones of the multi-stack goldens and on
/// Examples/tiny-vlm: every
/// tensor has exactly one module, and each module holds what mergekit 0.1.5's definition
/// (mistral3.json, qwen2_vl.json, gemma3vl.json, t5.json) gives it.
@Suite struct ModelModulesTests {
    struct Expectation: Sendable, CustomTestStringConvertible {
        var model: String
        var modules: [String]
        /// Tensor → its module, for the tensors outside every stack and one layer tensor per stack.
        var owners: [String: String] = [:]
        var testDescription: String { (model as NSString).lastPathComponent }
    }

    static let singleStack = [
        "bert", "deepseek_v3", "falcon", "gemma2", "gemma3", "gpt2", "gpt_neox", "granite", "llama", "llama_tied_untied", "mistral",
        "mixtral", "olmo2", "phi3", "qwen2", "qwen3", "qwen3_moe", "starcoder2",
    ]

    static let expectations: [Expectation] = singleStack.map {
        Expectation(model: FixturePaths.architectureModel($0), modules: ["default"])
    } + [
        Expectation(model: FixturePaths.architectureModel("gemma3_multimodal"), modules: ["text_decoder", "vision_tower", "multi_modal_projector"], owners: [
            "language_model.model.embed_tokens.weight": "text_decoder", "language_model.model.norm.weight": "text_decoder",
            "language_model.model.layers.0.mlp.up_proj.weight": "text_decoder",
            "vision_tower.embeddings.patch_embedding.weight": "vision_tower", "vision_tower.post_layernorm.weight": "vision_tower",
            "vision_tower.head.probe": "vision_tower", "vision_tower.encoder.layers.1.mlp.fc2.weight": "vision_tower",
            "multi_modal_projector.mm_input_projection_weight": "multi_modal_projector",
            "multi_modal_projector.mm_soft_emb_norm.weight": "multi_modal_projector",
        ]),
        Expectation(model: FixturePaths.architectureModel("llava"), modules: ["text_decoder", "vision_tower", "multi_modal_projector"], owners: [
            "language_model.lm_head.weight": "text_decoder", "language_model.model.embed_tokens.weight": "text_decoder",
            "vision_tower.embeddings.class_embedding": "vision_tower", "vision_tower.pre_layrnorm.weight": "vision_tower",
            "vision_tower.post_layernorm.bias": "vision_tower", "multi_modal_projector.linear_1.weight": "multi_modal_projector",
            "multi_modal_projector.linear_2.bias": "multi_modal_projector",
        ]),
        Expectation(model: FixturePaths.architectureModel("qwen2_vl"), modules: ["text_decoder", "vision_tower", "multi_modal_projector"], owners: [
            "model.embed_tokens.weight": "text_decoder", "model.norm.weight": "text_decoder", "lm_head.weight": "text_decoder",
            "visual.patch_embed.proj.weight": "vision_tower", "visual.blocks.0.attn.qkv.weight": "vision_tower",
            "visual.merger.ln_q.weight": "multi_modal_projector", "visual.merger.mlp.0.weight": "multi_modal_projector",
            "visual.merger.mlp.2.bias": "multi_modal_projector",
        ]),
        Expectation(model: FixturePaths.architectureModel("t5"), modules: ["decoder", "encoder", "shared"], owners: [
            "shared.weight": "shared", "encoder.final_layer_norm.weight": "encoder", "decoder.final_layer_norm.weight": "decoder",
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": "encoder",
        ]),
        Expectation(model: FixturePaths.architectureModel("t5_3_blocks"), modules: ["decoder", "encoder", "shared"], owners: [
            "shared.weight": "shared", "decoder.block.2.layer.2.DenseReluDense.wo.weight": "decoder",
        ]),
        // mergekit 0.1.5's own names (transformers 4) and transformers 5's for the same Mistral 3.
        Expectation(model: FixturePaths.conformance + "/models_vlm/base", modules: ["text_decoder", "vision_tower", "multi_modal_projector"], owners: [
            "language_model.model.embed_tokens.weight": "text_decoder", "language_model.lm_head.weight": "text_decoder",
            "vision_tower.patch_conv.weight": "vision_tower", "vision_tower.ln_pre.weight": "vision_tower",
            "multi_modal_projector.patch_merger.merging_layer.weight": "multi_modal_projector",
        ]),
        Expectation(model: FixturePaths.repositoryRoot + "/Examples/tiny-vlm/base", modules: ["text_decoder", "vision_tower", "multi_modal_projector"], owners: [
            "model.language_model.embed_tokens.weight": "text_decoder", "lm_head.weight": "text_decoder",
            "model.vision_tower.patch_conv.weight": "vision_tower", "model.vision_tower.ln_pre.weight": "vision_tower",
            "model.multi_modal_projector.patch_merger.merging_layer.weight": "multi_modal_projector",
            "model.multi_modal_projector.linear_1.weight": "multi_modal_projector",
        ]),
        Expectation(model: FixturePaths.conformance + "/models_t5/base", modules: ["decoder", "encoder", "shared"], owners: [
            "shared.weight": "shared", "lm_head.weight": "shared", "encoder.final_layer_norm.weight": "encoder",
        ]),
    ]

    @Test func everyArchitectureFixtureIsCovered() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: FixturePaths.architectures)
        let covered = Set(Self.expectations.map { ($0.model as NSString).deletingLastPathComponent }.map { ($0 as NSString).lastPathComponent })
        #expect(Set(directories).isSubset(of: covered))
    }

    @Test(arguments: expectations)
    func everyTensorHasItsModule(_ expectation: Expectation) throws {
        let model = try ModelDirectory(path: expectation.model)
        let modules = model.modelDescription.modules
        #expect(modules.names == expectation.modules)
        let names = model.weights.tensorNames
        if expectation.modules == ["default"] {
            let module = try #require(modules.module(named: "default"))
            let stack = try #require(module.stack)
            let outside = names.filter { stack.layer(of: $0) == nil }
            #expect(Set(module.before + module.after) == Set(outside))
            return
        }
        for name in names {
            let holders = modules.modules.filter { module in
                module.stack?.layer(of: name) != nil || module.before.contains(name) || module.after.contains(name)
            }
            #expect(holders.count == 1, "\(name): \(holders.map(\.name))")
        }
        for (name, owner) in expectation.owners {
            #expect(names.contains(name), "\(name) is not in the fixture")
            #expect(modules.owner(of: name) == owner, "\(name)")
        }
    }

    /// A stack's input side (embeddings, patch and convolution inputs, `pre` norms) comes before
    /// its layers, the rest after them, as mergekit's pre_weights and post_weights have them.
    @Test func aStackModulesTensorsGoAroundItsLayers() throws {
        let vlm = try ModelDirectory(path: FixturePaths.repositoryRoot + "/Examples/tiny-vlm/base").modelDescription.modules
        let vision = try #require(vlm.module(named: "vision_tower"))
        #expect(vision.before == ["model.vision_tower.ln_pre.weight", "model.vision_tower.patch_conv.weight"])
        #expect(vision.after.isEmpty)
        let text = try #require(vlm.module(named: "text_decoder"))
        #expect(text.before == ["model.language_model.embed_tokens.weight"])
        #expect(text.after == ["lm_head.weight", "model.language_model.norm.weight"])
        let llava = try ModelDirectory(path: FixturePaths.architectureModel("llava")).modelDescription.modules
        let tower = try #require(llava.module(named: "vision_tower"))
        #expect(tower.after == ["vision_tower.post_layernorm.bias", "vision_tower.post_layernorm.weight"])
        #expect(tower.before.contains("vision_tower.pre_layrnorm.weight"))
        let t5 = try ModelDirectory(path: FixturePaths.conformance + "/models_t5/base").modelDescription.modules
        #expect(t5.module(named: "shared")?.before == ["shared.weight"])
        #expect(t5.module(named: "shared")?.after == ["lm_head.weight"])
        #expect(t5.module(named: "encoder")?.after == ["encoder.final_layer_norm.weight"])
    }
}
