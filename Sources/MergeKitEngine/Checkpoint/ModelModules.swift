import MergeKitSafetensors

/// mergekit's modules of a model, derived from its layer stacks and tensor names with no table:
/// which module each tensor belongs to, and where a module's tensors outside its stack sit.
///
/// A model with one stack is one module, `default`, holding every tensor. With several stacks,
/// each stack is a module named by its role (`text_decoder`, `decoder`, `encoder`,
/// `vision_tower`, `audio_tower`; Llama 4's `vision_model` keeps that name), and each stack has a
/// *root*: the shortest leading part of its prefix that no other stack's prefix starts with
/// (`vision_tower` for `vision_tower.transformer.layers` beside `language_model.model.layers`,
/// `model.visual` for `model.visual.blocks` beside `model.language_model.layers`). A tensor
/// outside every stack then belongs to:
///
/// - the stack whose root its name starts with (the longest), except that under a vision
///   stack's own parent (`visual` of `visual.blocks`) what is not an embedding or patch input
///   is the projector that feeds the text model (`visual.merger.*`): `multi_modal_projector`;
/// - outside every root, in a model with a vision stack: an output head (`lm_head.weight`)
///   belongs to the text module, anything else (`multi_modal_projector.*`) to the projector;
/// - outside every root, in an encoder-decoder model: `shared` (T5's `shared.weight` and
///   `lm_head.weight`);
/// - otherwise the text module.
///
/// This gives mergekit 0.1.5's module definitions (gemma3vl, llama4, mistral3, qwen2_vl,
/// qwen2_5_vl, qwen3_vl, t5, whisper) for transformers 4 and 5 names alike.
public struct ModelModules: Sendable {
    public struct Module: Sendable {
        public var name: String
        /// The module's layer stack; nil for a projector or `shared`, which have no layers.
        public var stack: LayerStack?
        /// Its tensors outside the stack that come before it (embeddings, patch inputs), and after
        /// it (final norms, heads), in file order.
        public var before: [String]
        public var after: [String]
    }

    static let projectorName = "multi_modal_projector"
    static let sharedName = "shared"
    static let singleName = "default"

    /// In the model's order: the stacks (the text stack first), then the projector or `shared`.
    public let modules: [Module]

    public var names: [String] { modules.map(\.name) }

    public func module(named name: String) -> Module? {
        modules.first { $0.name == name }
    }

    /// The module of a model with several stacks whose stack or tensors hold `name`.
    public func owner(of name: String) -> String? {
        let key = ByteString(name)
        for module in modules {
            if let stack = module.stack, stack.layer(of: name) != nil { return module.name }
            if module.before.contains(where: { ByteString($0) == key }) || module.after.contains(where: { ByteString($0) == key }) {
                return module.name
            }
        }
        return nil
    }

    /// The modules of a model with `stacks` (the text stack at `text`), its tensors `names` in file
    /// order; `before` and `after` place a tensor outside every stack around the text stack.
    init(stacks: [LayerStack], text: LayerStack?, names: [String], placement: (String) -> TensorPlacement) {
        guard stacks.count > 1, let text else {
            modules = [Module(
                name: Self.singleName, stack: text,
                before: names.filter { placement($0) == .beforeLayers && text?.layer(of: $0) == nil },
                after: names.filter { placement($0) == .afterLayers && text?.layer(of: $0) == nil })]
            return
        }
        let ordered = [text] + stacks.filter { !$0.prefix.hasSameBytes(as: text.prefix) }
        let roots = ordered.map { stack in Self.root(of: stack, among: ordered) }
        let hasVision = ordered.contains { $0.role == .vision }
        let isEncoderDecoder = ordered.contains { $0.role == .encoder }
        var modules = ordered.map { stack in
            Module(name: Self.name(of: stack, root: Self.root(of: stack, among: ordered)), stack: stack, before: [], after: [])
        }
        var projector = Module(name: Self.projectorName, stack: nil, before: [], after: [])
        var shared = Module(name: Self.sharedName, stack: nil, before: [], after: [])
        for name in names where !ordered.contains(where: { $0.layer(of: name) != nil }) || text.layer(of: name).map({ $0.index >= text.count }) == true {
            let parts = StackPlacementRule.components(of: name)
            let holder = roots.indices.filter { roots[$0].count < parts.count && parts.starts(with: roots[$0], by: { $0.hasSameBytes(as: $1) }) }
                .max { roots[$0].count < roots[$1].count }
            let textAround = placement(name)
            if let holder {
                let stack = ordered[holder]
                if holder == 0 {
                    Self.append(name, textAround, to: &modules[0])
                } else if stack.role == .vision, Self.isUnderParent(name, of: stack), !Self.isInput(name, of: stack) {
                    projector.before.append(name)
                } else {
                    Self.append(name, Self.isInput(name, of: stack) ? .beforeLayers : .afterLayers, to: &modules[holder])
                }
            } else if hasVision {
                // Outside the text stack's root, only an output head is placed after it.
                if textAround == .afterLayers {
                    Self.append(name, textAround, to: &modules[0])
                } else {
                    projector.before.append(name)
                }
            } else if isEncoderDecoder {
                Self.append(name, textAround, to: &shared)
            } else {
                Self.append(name, textAround, to: &modules[0])
            }
        }
        if hasVision { modules.append(projector) }
        if !shared.before.isEmpty || !shared.after.isEmpty { modules.append(shared) }
        self.modules = modules
    }

    private static func append(_ name: String, _ placement: TensorPlacement, to module: inout Module) {
        if placement == .afterLayers { module.after.append(name) } else { module.before.append(name) }
    }

    /// The shortest leading components of `stack`'s prefix that no other stack's prefix starts
    /// with (the whole prefix when every shorter part is shared).
    static func root(of stack: LayerStack, among stacks: [LayerStack]) -> [String] {
        let parts = StackPlacementRule.components(of: stack.prefix)
        let others = stacks.filter { !$0.prefix.hasSameBytes(as: stack.prefix) }.map { StackPlacementRule.components(of: $0.prefix) }
        for length in 1...parts.count {
            let head = Array(parts.prefix(length))
            if !others.contains(where: { $0.starts(with: head, by: { $0.hasSameBytes(as: $1) }) }) { return head }
        }
        return parts
    }

    /// mergekit's name for a stack's module.
    static func name(of stack: LayerStack, root: [String]) -> String {
        switch stack.role {
        case .text: "text_decoder"
        case .decoder: "decoder"
        case .encoder: "encoder"
        case .vision: root.last == "vision_model" ? "vision_model" : "vision_tower"
        case .audio: "audio_tower"
        case .other: stack.prefix
        }
    }

    /// `name` lies under the component that holds `stack`'s layers (`visual` for `visual.blocks`).
    static func isUnderParent(_ name: String, of stack: LayerStack) -> Bool {
        let parent = Array(StackPlacementRule.components(of: stack.prefix).dropLast())
        let parts = StackPlacementRule.components(of: name)
        return parts.count > parent.count + 1 && parts.starts(with: parent, by: { $0.hasSameBytes(as: $1) })
    }

    /// A stack's input side: a tensor whose first component past what it shares with the stack's
    /// parent is an embedding, a patch or convolution input, or a `pre` norm (`patch_conv`,
    /// `embeddings`, `conv1`, `ln_pre`, `pre_layrnorm`); everything else of the stack's module
    /// comes after its layers (`post_layernorm`, `final_layer_norm`, `layer_norm`).
    static func isInput(_ name: String, of stack: LayerStack) -> Bool {
        let relative = StackPlacementRule.relativeName(name, textPrefix: stack.prefix)
        let first = (StackPlacementRule.components(of: relative).first ?? "").lowercased()
        if first == "embeddings" || StackPlacementRule.embeddingMarkers.contains(where: { first.containsBytes(of: $0) }) { return true }
        let words = first.split(separator: "_").map(String.init)
        return words.contains { $0 == "pre" || $0.hasPrefix("patch") || $0.hasPrefix("conv") }
    }
}
