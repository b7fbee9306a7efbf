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

    @Test func renumbering() {
        #expect(TensorNaming.renumbered("model.layers.3.mlp.up_proj.weight", to: 7) == "model.layers.7.mlp.up_proj.weight")
        #expect(TensorNaming.renumbered("transformer.h.2.ln_1.bias", to: 0) == "transformer.h.0.ln_1.bias")
        #expect(TensorNaming.renumbered("lm_head.weight", to: 4) == "lm_head.weight")
    }
}
