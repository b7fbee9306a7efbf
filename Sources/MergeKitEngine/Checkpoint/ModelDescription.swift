public import MergeKitSafetensors

/// What a checkpoint is made of, derived from its config.json and tensor names with no table of
/// architectures: its layer stacks (`StackFinder`), the text stack that slices apply to, where
/// every other tensor sits relative to it (`StackPlacementRule`), its tied head
/// (`TiedEmbeddings`) and what config.json says per layer of the text stack
/// (`LayerConfigFacts`). docs/architectures.md shows what this gives on 23 transformers
/// checkpoints.
public struct ModelDescription: Sendable {
    /// Every stack found, the text stack first.
    public let stacks: [LayerStack]
    /// The stack slices and `layer_range` apply to: the decoder of an encoder-decoder model,
    /// else the language model's layers. nil when it cannot be found (`problem` says why).
    public let textStack: LayerStack?
    /// Why there is no text stack, in words that follow the config file's name.
    public let problem: String?
    /// The output head and the embedding it may be tied to (nil without a text stack).
    public let tiedEmbeddings: TiedEmbeddings?
    /// config.json's per-layer facts of the text stack (nil without a text stack).
    public let textLayerFacts: LayerConfigFacts?
    /// The text stack's layers past its count (`LayerStack.extraLayers`), in file order; they are
    /// placed after the stack.
    public let extraLayerNames: [String]
    /// mergekit's modules of the model and the tensors each holds (`ModelModules`).
    public let modules: ModelModules
    private let namesByPlacement: [TensorPlacement: [String]]

    public init(config: JSONValue, tensorNames: [String]) {
        let found = StackFinder.find(config: config, names: tensorNames)
        let text = found.textStack.map { found.stacks[$0] }
        stacks = found.stacks
        textStack = text
        problem = found.problem
        var byPlacement: [TensorPlacement: [String]] = [:]
        var extra: [String] = []
        var inOtherStacks: [String] = []
        let others = found.stacks.enumerated().filter { $0.offset != found.textStack }.map(\.element)
        for name in tensorNames {
            let placement: TensorPlacement
            if let text, let layer = text.layer(of: name) {
                if layer.index < text.count {
                    placement = .layer(layer.index)
                } else {
                    placement = .afterLayers
                    extra.append(name)
                }
            } else if others.contains(where: { $0.layer(of: name) != nil }) {
                placement = .beforeLayers
                inOtherStacks.append(name)
            } else if let text {
                placement = StackPlacementRule.placement(of: name, textPrefix: text.prefix)
            } else {
                placement = TensorNaming.placement(of: name)
            }
            byPlacement[placement, default: []].append(name)
        }
        namesByPlacement = byPlacement
        extraLayerNames = extra
        let placements = Dictionary(byPlacement.flatMap { placement, names in names.map { (ByteString($0), placement) } }) { first, _ in first }
        modules = ModelModules(stacks: found.stacks, text: text, names: tensorNames) { placements[ByteString($0)] ?? .beforeLayers }
        if let text {
            let otherNames = Set((inOtherStacks + extra).map { ByteString($0) })
            tiedEmbeddings = TiedEmbeddings(
                textPrefix: text.prefix, before: (byPlacement[.beforeLayers] ?? []).filter { !otherNames.contains(ByteString($0)) },
                after: (byPlacement[.afterLayers] ?? []).filter { !otherNames.contains(ByteString($0)) }, config: config,
                textConfig: text.countKey?.parent ?? [])
            textLayerFacts = LayerConfigFacts(config: config, stack: text)
        } else {
            tiedEmbeddings = nil
            textLayerFacts = nil
        }
    }

    /// The tensor names at `placement` (before the text stack, in one of its layers, after it),
    /// in file order. Tensors of other stacks are before it.
    public func names(at placement: TensorPlacement) -> [String] {
        namesByPlacement[placement] ?? []
    }

    /// The stack other than the text stack that `name` belongs to, with its layer number.
    public func otherStackLayer(of name: String) -> (stack: LayerStack, layer: Int)? {
        for stack in stacks where textStack.map({ !stack.prefix.hasSameBytes(as: $0.prefix) }) ?? true {
            if let found = stack.layer(of: name) { return (stack, found.index) }
        }
        return nil
    }
}
