import MergeKitRecipe
import MergeKitSafetensors

/// What the output's config.json must say about its text stack once the slices have put it
/// together: the stack's count at its own key (nested ones included, never a new top-level
/// key), every per-layer list cut and concatenated in slice order from each slice's own model,
/// the MoE and sliding-window keys recomputed from the layers' kinds, and the layers stored past
/// the count dropped when the stack changes. When a key cannot say what the layers are, the
/// plan is refused, naming the stack, its count key, the output layers and the key.
struct LayerConfigRewrite {
    let context: StackContext

    func edits(into sink: inout DiagnosticSink) -> [ConfigEdit] {
        let stack = context.stack
        let config = context.catalog.models[context.configModel].config
        let layers = context.assembly.layers
        var edits: [ConfigEdit] = []
        func edit(_ key: ConfigKeyPath, _ value: JSONValue, _ reason: String) {
            let old = key.value(in: config)
            if old != value { edits.append(ConfigEdit(key: key, old: old, new: value, reason: reason)) }
        }

        if layers.count != stack.count {
            if let key = stack.countKey {
                edit(key, .integer(layers.count), "\(context.stackWord)'s layer count")
            } else {
                sink.add(.error(
                    "cannot stack these layers: \(context.stackName): the output has \(layers.count) layers instead of \(stack.count), and config.json has no key to say so",
                    at: context.location(ofLayer: layers.first?.index ?? 0)))
            }
        }
        if let extra = stack.extraLayers, !context.assembly.keepsLayout(of: stack.count) {
            edit(extra.key, .integer(0), "layers past the count dropped")
            sink.add(.warning(
                "\(extra.count) layer\(extra.count == 1 ? "" : "s") of \(stack.prefix) past \(stack.countKey?.description ?? "the count") (\(extra.key), multi-token prediction) cannot follow a reordered stack; the output leaves \(extra.count == 1 ? "it" : "them") out and sets \(extra.key) to 0",
                at: context.location(ofLayer: 0)))
        }
        guard let facts = context.facts(of: context.configModel) else { return edits }

        for list in facts.lists {
            var values: [JSONValue] = []
            var lacking: [Int] = []
            for layer in layers {
                let own = context.facts(of: layer.reference.model)?.list(at: list.key)
                if let own, layer.reference.layer < own.count {
                    values.append(own[layer.reference.layer])
                } else {
                    lacking.append(layer.index)
                }
            }
            guard lacking.isEmpty else {
                sink.add(.error(
                    "cannot stack these layers: \(context.stackName): \(list.key) has one entry per layer, but the config.json of the model of \(context.describe(layers: lacking)) has no such list",
                    at: context.location(ofLayer: lacking[0])))
                continue
            }
            edit(list.key, .array(values), "one entry per layer, cut and concatenated in slice order")
        }
        if let rule = facts.mixtureOfExperts {
            let kinds = layers.map { layer in
                context.facts(of: layer.reference.model)?.mixtureOfExperts?.isMixtureOfExperts(layer: layer.reference.layer)
            }
            apply(rule.key, kinds: kinds, what: "dense MLPs", concerned: false, expressed: rule.settings(for:),
                  reason: "MoE layers recomputed from the stacked layers", edit: edit, into: &sink)
        }
        if let rule = facts.slidingWindow {
            let kinds = layers.map { layer in
                context.facts(of: layer.reference.model)?.slidingWindow?.usesWindow(layer: layer.reference.layer)
            }
            apply(rule.key, kinds: kinds, what: "a sliding attention window", concerned: true, expressed: rule.settings(for:),
                  reason: "sliding-window layers recomputed from the stacked layers", edit: edit, into: &sink)
        }
        return edits
    }

    /// Writes the settings that give the output layers `kinds` (the rule's per-layer flag; nil:
    /// the layer's model does not say), or refuses, naming the layers whose flag is `concerned`
    /// (the ones that have `what`).
    private func apply(
        _ key: ConfigKeyPath, kinds: [Bool?], what: String, concerned: Bool,
        expressed: ([Bool]) -> Result<[(key: ConfigKeyPath, value: JSONValue)], RuleProblem>,
        reason: String, edit: (ConfigKeyPath, JSONValue, String) -> Void, into sink: inout DiagnosticSink
    ) {
        let layers = context.assembly.layers
        let unknown = zip(layers, kinds).filter { $0.1 == nil }.map(\.0.index)
        guard unknown.isEmpty else {
            sink.add(.error(
                "cannot stack these layers: \(context.stackName): \(key) says which layers have \(what), but the config.json of the model of \(context.describe(layers: unknown)) does not",
                at: context.location(ofLayer: unknown[0])))
            return
        }
        let known = kinds.compactMap { $0 }
        switch expressed(known) {
        case .success(let settings):
            for setting in settings { edit(setting.key, setting.value, reason) }
        case .failure(let problem):
            let having = zip(layers, known).filter { $0.1 == concerned }.map(\.0.index)
            sink.add(.error(
                "cannot stack these layers: \(context.stackName): the output would have \(what) at \(context.describe(layers: having)); \(problem.message)",
                at: context.location(ofLayer: having.first ?? 0)))
        }
    }
}
