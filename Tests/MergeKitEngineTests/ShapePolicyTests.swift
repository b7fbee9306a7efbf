@testable import MergeKitEngine
import Testing

/// The shape policy's decisions, on their own: what a tensor whose inputs differ in shape
/// becomes, with and without --unsafe-truncate-embeddings.
@Suite struct ShapePolicyTests {
    static let models = ["a", "b"]

    @Test func equalShapesAreUniform() {
        let policy = ShapePolicy(cropsVocabulary: false)
        #expect(policy.decide(outputName: "model.layers.0.mlp.up_proj.weight", shapes: [[4, 2], [4, 2]], models: Self.models, tokenIndexed: false) == .uniform([4, 2]))
        #expect(policy.decide(outputName: "lm_head.weight", shapes: [[4, 2]], models: ["a"], tokenIndexed: true) == .uniform([4, 2]))
    }

    @Test func differentVocabulariesAreCroppedOnlyWhenAsked() {
        let shapes = [[136, 64], [128, 64]]
        let refuse = ShapePolicy(cropsVocabulary: false).decide(outputName: "lm_head.weight", shapes: shapes, models: Self.models, tokenIndexed: true)
        #expect(refuse == .vocabularyMismatch(
            "vocabulary sizes differ in 'lm_head.weight': 'a' [136, 64], 'b' [128, 64]; align the vocabularies with tokenizer_source (base, union or a model), or crop them with --unsafe-truncate-embeddings"))
        let crop = ShapePolicy(cropsVocabulary: true).decide(outputName: "model.embed_tokens.weight", shapes: shapes, models: Self.models, tokenIndexed: true)
        #expect(crop == .cropped(
            shape: [128, 64],
            warning: "cropping 'model.embed_tokens.weight' to the 128 rows every model has (--unsafe-truncate-embeddings): 'a' [136, 64], 'b' [128, 64]; the dropped rows' tokens lose their embeddings"))
    }

    /// Cropping never applies to other tensors, nor to embeddings whose columns differ.
    @Test func otherDifferencesAreMismatches() {
        let policy = ShapePolicy(cropsVocabulary: true)
        #expect(policy.decide(outputName: "model.layers.0.mlp.up_proj.weight", shapes: [[4, 2], [4, 2], [5, 2]], models: ["a", "b", "c"], tokenIndexed: false)
            == .mismatch("shapes of 'model.layers.0.mlp.up_proj.weight' differ between models: 'a' [4, 2], 'b' [4, 2], 'c' [5, 2]", input: 2))
        #expect(policy.decide(outputName: "lm_head.weight", shapes: [[136, 64], [128, 32]], models: Self.models, tokenIndexed: true)
            == .mismatch("shapes of 'lm_head.weight' differ between models: 'a' [136, 64], 'b' [128, 32]", input: 1))
    }

    /// What decides is the tensor being token-indexed (found by shape and config), not its name.
    @Test func aTensorThatIsNotTokenIndexedIsNeverCropped() {
        let policy = ShapePolicy(cropsVocabulary: true)
        #expect(policy.decide(outputName: "lm_head.weight", shapes: [[136, 64], [128, 64]], models: Self.models, tokenIndexed: false)
            == .mismatch("shapes of 'lm_head.weight' differ between models: 'a' [136, 64], 'b' [128, 64]", input: 1))
        #expect(policy.decide(outputName: "transformer.unembed.w", shapes: [[136, 64], [128, 64]], models: Self.models, tokenIndexed: true)
            == .cropped(shape: [128, 64], warning: "cropping 'transformer.unembed.w' to the 128 rows every model has (--unsafe-truncate-embeddings): 'a' [136, 64], 'b' [128, 64]; the dropped rows' tokens lose their embeddings"))
    }
}
