import MergeKitEngine
import MergeKitSafetensors
import Testing

/// Stack detection on names and configs made up for the case: the rules of `StackFinder` that
/// the transformers fixtures do not reach.
@Suite struct StackFinderTests {
    static func names(_ prefix: String, layers: Range<Int>, _ suffixes: [String] = ["a.weight", "b.weight"]) -> [String] {
        layers.flatMap { layer in suffixes.map { "\(prefix).\(layer).\($0)" } }
    }

    static func describe(_ config: JSONValue, _ names: [String]) -> ModelDescription {
        ModelDescription(config: config, tensorNames: ["model.embed_tokens.weight"] + names + ["model.norm.weight"])
    }

    @Test func numberedGroupsWithoutACountKeyAreOrdinaryTensors() {
        let config: JSONValue = ["num_hidden_layers": 2, "vision_config": ["depth": 2]]
        let description = Self.describe(config, Self.names("model.layers", layers: 0..<2) + Self.names("visual.merger.mlp", layers: 0..<1)
            + ["visual.merger.mlp.2.weight"] + Self.names("visual.blocks", layers: 0..<2))
        #expect(description.stacks.map(\.prefix) == ["model.layers", "visual.blocks"])
        #expect(description.names(at: .beforeLayers).contains("visual.merger.mlp.2.weight"))
    }

    @Test func theOutermostNumberMakesTheGroup() {
        let names = Self.names("model.layers", layers: 0..<2, ["mlp.experts.0.w1.weight", "mlp.experts.1.w1.weight"])
        let description = Self.describe(["num_hidden_layers": 2], names)
        #expect(description.textStack?.prefix == "model.layers")
        #expect(description.textStack?.signatures == [["mlp.experts.0.w1.weight", "mlp.experts.1.w1.weight"]] + [["mlp.experts.0.w1.weight", "mlp.experts.1.w1.weight"]])
    }

    @Test func aVisionStackOfTheSameDepthIsNotTheTextStack() {
        let config: JSONValue = ["text_config": ["num_hidden_layers": 2], "vision_config": ["num_hidden_layers": 2]]
        let description = Self.describe(config, Self.names("vision_tower.encoder.layers", layers: 0..<2) + Self.names("model.layers", layers: 0..<2))
        #expect(description.textStack?.prefix == "model.layers")
        #expect(description.textStack?.countKey?.description == "text_config.num_hidden_layers")
        #expect(description.stacks.last?.prefix == "vision_tower.encoder.layers")
        #expect(description.stacks.last?.countKey?.description == "vision_config.num_hidden_layers")
        #expect(description.stacks.last?.role == .vision)
    }

    @Test func aCountThatDisagreesWithTheNamesIsAProblem() {
        let more = Self.describe(["num_hidden_layers": 3], Self.names("model.layers", layers: 0..<2))
        #expect(more.textStack == nil)
        #expect(more.problem == "says num_hidden_layers = 3, but the weights hold 2 layers (model.layers.0…1)")
        let gap = Self.describe(["num_hidden_layers": 4], Self.names("model.layers", layers: 0..<2) + Self.names("model.layers", layers: 3..<4))
        #expect(gap.problem == "says num_hidden_layers = 4, but the weights of model.layers number layers 0…3 and hold no tensor of layer 2")
        let nothing = Self.describe(["num_hidden_layers": 2], [])
        #expect(nothing.problem == "says num_hidden_layers = 2, but no tensor group holds that many layers (no tensor name numbers a layer)")
    }

    /// A key that could count the text stack must hold a count: anything else is a problem
    /// naming the key and the value as written, never a key to skip (issue 10, item 5).
    @Test(arguments: [
        (JSONValue.string("2"), "\"2\""), (.number("-1"), "-1"), (.number("0"), "0"), (.number("2.0"), "2.0"),
        (.number("1000000000000000000"), "1000000000000000000"), (.number("100001"), "100001"), (.bool(true), "true"),
    ])
    func aTextCountThatIsNoCountIsAProblem(_ value: JSONValue, _ written: String) {
        let names = Self.names("model.layers", layers: 0..<2)
        let top = Self.describe(["num_hidden_layers": value], names)
        #expect(top.textStack == nil)
        #expect(top.problem == "num_hidden_layers must be a positive integer up to 100000, found \(written)")
        let nested = Self.describe(["text_config": ["num_hidden_layers": value], "vision_config": ["depth": 2]], names)
        #expect(nested.problem == "text_config.num_hidden_layers must be a positive integer up to 100000, found \(written)")
        // Beside a sound count, another spelling of it must be sound too.
        let spelling = Self.describe(["num_hidden_layers": 2, "n_layer": value], names)
        #expect(spelling.problem == "n_layer must be a positive integer up to 100000, found \(written)")
    }

    /// null says nothing (the names decide), and a key that cannot count the text stack (a
    /// vision tower's) is not the text stack's problem.
    @Test func nullAndOtherStacksCountsAreNotTextCounts() {
        let names = Self.names("model.layers", layers: 0..<2)
        #expect(Self.describe(["num_hidden_layers": .null], names).textStack?.count == 2)
        let vision = Self.describe(["num_hidden_layers": 2, "vision_config": ["depth": "2"]], names)
        #expect(vision.problem == nil)
        #expect(vision.textStack?.count == 2)
        let encoder = Self.describe(["is_encoder_decoder": true, "num_layers": -1, "num_decoder_layers": 2], Self.names("decoder.block", layers: 0..<2))
        #expect(encoder.textStack?.prefix == "decoder.block")
    }

    /// Prefixes are grouped by their bytes: `café` in NFC and in NFD make two groups.
    @Test func prefixesThatDifferOnlyInNormalisationAreTwoGroups() {
        let nfc = Self.names("caf\u{E9}.layers", layers: 0..<2)
        let nfd = Self.names("cafe\u{301}.layers", layers: 0..<2)
        let description = Self.describe(["num_hidden_layers": 2], nfc + nfd)
        #expect(description.textStack == nil)
        #expect(description.problem?.hasPrefix("says num_hidden_layers = 2, and several tensor groups hold that many layers") == true)
    }

    @Test func twoGroupsForOneCountAreAmbiguous() {
        let description = Self.describe(["num_hidden_layers": 2], Self.names("model.layers", layers: 0..<2) + Self.names("other.layers", layers: 0..<2))
        #expect(description.textStack == nil)
        #expect(description.problem == "says num_hidden_layers = 2, and several tensor groups hold that many layers: model.layers.0…1, other.layers.0…1")
    }

    @Test func withoutACountTheNamesDecide() {
        let description = Self.describe(["model_type": "x"], Self.names("model.layers", layers: 0..<3))
        #expect(description.textStack?.count == 3)
        #expect(description.textStack?.countKey == nil)
        #expect(Self.describe([:], []).problem == "does not give the layer count (num_hidden_layers), and no tensor name numbers a layer")
    }

    @Test func anEncoderDecoderSlicesItsDecoder() {
        let config: JSONValue = ["is_encoder_decoder": true, "encoder_layers": 2, "decoder_layers": 2]
        let description = ModelDescription(
            config: config,
            tensorNames: ["model.shared.weight"] + Self.names("model.encoder.layers", layers: 0..<2) + Self.names("model.decoder.layers", layers: 0..<2)
                + ["model.decoder.layer_norm.weight", "lm_head.weight"])
        #expect(description.textStack?.prefix == "model.decoder.layers")
        #expect(description.textStack?.role == .decoder)
        #expect(description.textStack?.countKey?.description == "decoder_layers")
        #expect(description.stacks.last?.prefix == "model.encoder.layers")
        #expect(description.stacks.last?.countKey?.description == "encoder_layers")
        #expect(description.names(at: .afterLayers) == ["model.decoder.layer_norm.weight", "lm_head.weight"])
        #expect(description.names(at: .beforeLayers).contains("model.shared.weight"))
    }

    /// Another spelling of the text count next to it counts the same stack.
    @Test func aliasOfTheTextCountIsNotAnotherStack() {
        let config: JSONValue = ["num_hidden_layers": 2, "n_layer": 2]
        let description = Self.describe(config, Self.names("model.layers", layers: 0..<2) + Self.names("vision_model.blocks", layers: 0..<2))
        #expect(description.stacks.map(\.prefix) == ["model.layers"])
    }

    @Test func layerNumbersAreReadAsWritten() throws {
        let names = (0..<12).map { "model.layers.\($0).mlp.weight" }
        let stack = try #require(ModelDescription(config: ["num_hidden_layers": 12], tensorNames: names).textStack)
        #expect(stack.layer(of: "model.layers.11.mlp.weight")?.index == 11)
        #expect(stack.layer(of: "model.layers.01.mlp.weight") == nil)
        #expect(stack.layer(of: "model.layers.12.mlp.weight") == nil)
        #expect(stack.layer(of: "model.layersx.1.mlp.weight") == nil)
        #expect(stack.renumbered("model.layers.3.mlp.weight", to: 7) == "model.layers.7.mlp.weight")
        #expect(stack.renumbered("model.norm.weight", to: 7) == "model.norm.weight")
    }

    /// The placement rule on layouts the fixtures do not have.
    @Test(arguments: [
        ("layers", "tok_embeddings.weight", TensorPlacement.beforeLayers),
        ("layers", "norm.weight", .afterLayers),
        ("layers", "output.weight", .afterLayers),
        ("model.layers", "score.weight", .afterLayers),
        ("transformer.encoder.layers", "transformer.rotary_pos_emb.inv_freq", .beforeLayers),
        ("transformer.encoder.layers", "transformer.encoder.final_layernorm.weight", .afterLayers),
        ("language_model.model.layers", "language_model.lm_head.weight", .afterLayers),
        ("language_model.model.layers", "vision_model.post_layernorm.weight", .beforeLayers),
    ])
    func placementAroundTheTextStack(_ prefix: String, _ name: String, _ expected: TensorPlacement) {
        let description = ModelDescription(config: ["num_hidden_layers": 1], tensorNames: ["\(prefix).0.w.weight", name])
        #expect(description.textStack?.prefix == prefix)
        #expect(description.names(at: expected) == [name])
    }
}
