import MergeKitEngine
import Testing

@Suite struct TensorNamingTests {
    @Test(arguments: [
        ("model.layers.3.mlp.up_proj.weight", TensorPlacement.layer(3)),
        ("transformer.h.11.attn.c_attn.weight", .layer(11)),
        ("blocks.0.norm.weight", .layer(0)),
        ("model.embed_tokens.weight", .beforeLayers),
        ("transformer.wte.weight", .beforeLayers),
        ("model.norm.weight", .afterLayers),
        ("lm_head.weight", .afterLayers),
        ("model.layers.x.mlp.weight", .afterLayers),
    ])
    func placement(_ name: String, _ expected: TensorPlacement) {
        #expect(TensorNaming.placement(of: name) == expected)
    }

    @Test(arguments: [
        ("model.embed_tokens.weight", true), ("lm_head.weight", true), ("embed_out.weight", true),
        ("gpt_neox.embed_in.weight", true), ("transformer.wte.weight", true), ("output.weight", true),
        ("model.norm.weight", false), ("gpt_neox.final_layer_norm.weight", false),
    ])
    func vocabularySizedByName(_ name: String, _ expected: Bool) {
        #expect(TensorNaming.isVocabularySized(name) == expected)
    }

    @Test func renumbering() {
        #expect(TensorNaming.renumbered("model.layers.3.mlp.up_proj.weight", to: 7) == "model.layers.7.mlp.up_proj.weight")
        #expect(TensorNaming.renumbered("transformer.h.2.ln_1.bias", to: 0) == "transformer.h.0.ln_1.bias")
        #expect(TensorNaming.renumbered("lm_head.weight", to: 4) == "lm_head.weight")
    }

    /// Names are split at the byte `.`, as Python splits them: a combining mark after a dot
    /// (one `Character` with it in Swift) hides neither the dot nor the layer number.
    @Test func namesAreSplitAsBytes() throws {
        let name = "model.layers.3.\u{301}mlp.weight"
        let found = try #require(TensorNaming.layerIndex(in: name))
        #expect(found.index == 3)
        #expect(Array(found.suffix.utf8) == Array("\u{301}mlp.weight".utf8))
        #expect(Array(TensorNaming.renumbered(name, to: 12).utf8) == Array("model.layers.12.\u{301}mlp.weight".utf8))
        #expect(TensorNaming.placement(of: "model.embe\u{301}d_tokens.weight") == .afterLayers)
        #expect(TensorNaming.placement(of: "model.embed\u{301}_tokens.weight") == .beforeLayers)
    }
}
