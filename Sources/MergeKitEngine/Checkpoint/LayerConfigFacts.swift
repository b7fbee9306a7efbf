public import MergeKitSafetensors

/// What config.json says about each layer of a stack, read from the object that holds the
/// stack's count key: lists with one entry per layer (`layer_types`, per-layer head counts),
/// the MLP kind of each layer (`MoELayerRule`) and, without an explicit list, the attention
/// window pattern (`SlidingWindowRule`). A frankenmerge rebuilds all of them from the layers it
/// stacks.
public struct LayerConfigFacts: Sendable, Equatable {
    public struct PerLayerList: Sendable, Equatable {
        public var key: ConfigKeyPath
        public var values: [JSONValue]
    }

    /// Keys whose lists are never per-layer, even when their length happens to equal the layer
    /// count (token ids, class names, image grids, layers a vision feature is taken from).
    static let notPerLayer = ["architectures", "token", "suppress", "bad_words", "pinpoints", "feature_layer", "label"]

    public var lists: [PerLayerList]
    public var mixtureOfExperts: MoELayerRule?
    public var slidingWindow: SlidingWindowRule?

    /// The facts of `stack` (its count key's object; the top level when it has none).
    init(config: JSONValue, stack: LayerStack) {
        let object = stack.countKey?.parent ?? []
        var lists: [PerLayerList] = []
        if let members = ConfigKeyPath(object).value(in: config)?.objectValue {
            for entry in members {
                guard let values = entry.value.arrayValue, values.count == stack.count,
                      !Self.notPerLayer.contains(where: { entry.key.lowercased().contains($0) }) else { continue }
                lists.append(PerLayerList(key: ConfigKeyPath(object + [entry.key]), values: values))
            }
        }
        self.lists = lists
        mixtureOfExperts = MoELayerRule(config: config, object: object)
        slidingWindow = SlidingWindowRule(config: config, object: object)
    }

    /// The list stored at `key`, if this config has one of the stack's length.
    public func list(at key: ConfigKeyPath) -> [JSONValue]? {
        lists.first { $0.key == key }?.values
    }
}
