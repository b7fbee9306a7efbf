import MergeKitEngine
import MergeKitSafetensors
import Testing

/// The per-layer config keys a frankenmerge rebuilds: which lists count as per-layer, and when
/// an MoE or sliding-window key can say what the stacked layers are.
@Suite struct LayerConfigRuleTests {
    static func facts(_ config: JSONValue, layers: Int) -> LayerConfigFacts? {
        let names = (0..<layers).map { "model.layers.\($0).w.weight" }
        return ModelDescription(config: config, tensorNames: names).textLayerFacts
    }

    @Test func listsOfTheStacksLengthArePerLayer() throws {
        let config: JSONValue = [
            "num_hidden_layers": 2, "layer_types": ["full_attention", "sliding_attention"], "num_heads_per_layer": [4, 8],
            "eos_token_id": [1, 2], "architectures": ["A", "B"], "rope_parameters": ["section": [1, 2]], "other": [1, 2, 3],
        ]
        let facts = try #require(Self.facts(config, layers: 2))
        #expect(facts.lists.map(\.key.description) == ["layer_types", "num_heads_per_layer"])
        let nested: JSONValue = ["text_config": ["num_hidden_layers": 2, "layer_types": ["a", "b"]], "layer_types": ["c", "d"]]
        #expect(Self.facts(nested, layers: 2)?.lists.map(\.key.description) == ["text_config.layer_types"])
    }

    @Test func leadingDenseLayers() throws {
        let facts = try #require(Self.facts(["num_hidden_layers": 4, "first_k_dense_replace": 1], layers: 4))
        let rule = try #require(facts.mixtureOfExperts)
        #expect((0..<4).map { rule.isMixtureOfExperts(layer: $0) } == [false, true, true, true])
        #expect(try rule.settings(for: [false, false, true, true, true]).get().map(\.value) == [2])
        #expect(try rule.settings(for: [true, true]).get().map(\.value) == [0])
        #expect(throws: RuleProblem.self) { try rule.settings(for: [true, false, true]).get() }

        let everyOther = try #require(Self.facts(["num_hidden_layers": 4, "first_k_dense_replace": 1, "moe_layer_freq": 2], layers: 4)?.mixtureOfExperts)
        #expect((0..<4).map { everyOther.isMixtureOfExperts(layer: $0) } == [false, false, true, false])
        #expect(try everyOther.settings(for: [false, false, false, false, true]).get().map(\.value) == [4])
        #expect(throws: RuleProblem.self) { try everyOther.settings(for: [false, true, false]).get() }
    }

    @Test func denseLayerLists() throws {
        let rule = try #require(Self.facts(["num_hidden_layers": 4, "mlp_only_layers": [1]], layers: 4)?.mixtureOfExperts)
        #expect((0..<4).map { rule.isMixtureOfExperts(layer: $0) } == [true, false, true, true])
        let settings = try rule.settings(for: [true, false, true, false, true]).get()
        #expect(settings.map(\.key.description) == ["mlp_only_layers"])
        #expect(settings.map(\.value) == [[1, 3]])

        // A sparse step keeps its meaning when it still holds, else the list says it all.
        let stepped = try #require(Self.facts(["num_hidden_layers": 4, "mlp_only_layers": [], "decoder_sparse_step": 2], layers: 4)?.mixtureOfExperts)
        #expect((0..<4).map { stepped.isMixtureOfExperts(layer: $0) } == [false, true, false, true])
        let kept = try stepped.settings(for: [false, true, false, false]).get()
        #expect(kept.map(\.key.description) == ["mlp_only_layers"])
        #expect(kept.map(\.value) == [[3]])
        let stepOne = try stepped.settings(for: [true, false, false, true]).get()
        #expect(stepOne.map(\.key.description) == ["mlp_only_layers", "decoder_sparse_step"])
        #expect(stepOne.map(\.value) == [[1, 2], 1])
    }

    @Test func slidingWindowFromALayerOn() throws {
        let config: JSONValue = ["num_hidden_layers": 4, "max_window_layers": 2, "use_sliding_window": true, "sliding_window": 8]
        let rule = try #require(Self.facts(config, layers: 4)?.slidingWindow)
        #expect(try rule.settings(for: [false, true, true]).get().map(\.value) == [1])
        #expect(throws: RuleProblem.self) { try rule.settings(for: [true, false]).get() }
        // Without the window, or with an explicit list, the key says nothing per layer.
        #expect(Self.facts(config.setting("use_sliding_window", to: false), layers: 4)?.slidingWindow == nil)
        #expect(Self.facts(config.setting("layer_types", to: ["a", "b", "c", "d"]), layers: 4)?.slidingWindow == nil)
    }

    @Test func slidingWindowPeriod() throws {
        let rule = try #require(Self.facts(["num_hidden_layers": 6, "sliding_window_pattern": 3], layers: 6)?.slidingWindow)
        #expect((0..<6).map { rule.usesWindow(layer: $0) } == [true, true, false, true, true, false])
        #expect(try rule.settings(for: [true, true, false, true]).get().map(\.value) == [3])
        #expect(throws: RuleProblem.self) { try rule.settings(for: [true, false, true]).get() }
    }
}
