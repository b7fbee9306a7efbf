import MergeKitRandom
import Testing

/// FNV-1a 64 against the vectors of docs/rng.md, and the streaming form against the one-shot.
@Suite struct FNV1a64Tests {
    @Test func hashMatchesReference() {
        #expect(FNV1a64.hash("") == 0xCBF2_9CE4_8422_2325)
        #expect(FNV1a64.hash("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(FNV1a64.hash("model.layers.0.mlp.up_proj.weight") == 0xBB99_F1CA_D1E2_6788)
    }

    @Test func combiningPiecesEqualsHashingTheWhole() {
        var hasher = FNV1a64()
        #expect(hasher.value == FNV1a64.offsetBasis)
        hasher.combine(contentsOf: "model.layers.0.".utf8)
        for byte in "mlp.up_proj.weight".utf8 { hasher.combine(byte) }
        #expect(hasher.value == FNV1a64.hash("model.layers.0.mlp.up_proj.weight"))
    }
}
