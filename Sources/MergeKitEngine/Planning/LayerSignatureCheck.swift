import MergeKitRecipe
import MergeKitSafetensors

/// Layers that are not alike must stay where config.json expects them. Each layer of a stack
/// has a signature (its tensor names after the layer number). Differences that a config key
/// explains (a dense or MoE MLP, an entry of a per-layer list such as `layer_types`) follow the
/// layer, since the rewritten config says where each kind is; any other difference ties the
/// layer to its position (T5's `relative_attention_bias` exists only in block 0 of a stack:
/// transformers computes the position bias there and nowhere else). So every output layer must
/// have the signature that the config model gives its position for that kind of layer: its own
/// layer there, or past its end (or where that layer is of another kind) the kind's usual
/// signature (the most frequent one, the later layer's on a tie).
struct LayerSignatureCheck {
    let context: StackContext

    /// What a layer is, as config.json says: its MLP kind and its entry in every per-layer list
    /// of the config model.
    private func kind(of source: LayerSource) -> [JSONValue] {
        let facts = context.facts(of: source.model)
        let moe = facts?.mixtureOfExperts.map { JSONValue.bool($0.isMixtureOfExperts(layer: source.layer)) } ?? .null
        let listKeys = context.facts(of: context.configModel)?.lists.map(\.key) ?? []
        return [moe] + listKeys.map { key in facts?.list(at: key).flatMap { source.layer < $0.count ? $0[source.layer] : nil } ?? .null }
    }

    /// The layer's tensor suffixes, compared as bytes (two spellings of a name are two tensors).
    private func signature(of source: LayerSource) -> [ByteString] {
        guard let stack = context.stack(of: source.model), source.layer < stack.signatures.count else { return [] }
        return stack.signatures[source.layer].map { ByteString($0) }
    }

    /// The most frequent signature among `model`'s layers of `kind` (the later one on a tie).
    private func usual(_ kind: [JSONValue], in model: Int) -> [ByteString]? {
        guard let stack = context.stack(of: model) else { return nil }
        var counts: [[ByteString]: (count: Int, last: Int)] = [:]
        for layer in 0..<stack.count where self.kind(of: LayerSource(model: model, layer: layer)) == kind {
            let signature = signature(of: LayerSource(model: model, layer: layer))
            counts[signature] = ((counts[signature]?.count ?? 0) + 1, layer)
        }
        return counts.max { ($0.value.count, $0.value.last) < ($1.value.count, $1.value.last) }?.key
    }

    /// One error naming the stack and every output layer out of place, or nothing.
    func check(into sink: inout DiagnosticSink) {
        let config = context.configModel
        let configCount = context.stack.count
        var misplaced: [(layer: StackAssembly.OutputLayer, extra: [ByteString], missing: [ByteString], against: String)] = []
        for layer in context.assembly.layers {
            let kind = kind(of: layer.reference)
            let at = LayerSource(model: config, layer: layer.index)
            let expected: [ByteString]?
            let against: String
            if layer.index < configCount, self.kind(of: at) == kind {
                expected = signature(of: at)
                against = "layer \(layer.index) of '\(context.catalog.writtenNames[config])'"
            } else {
                expected = usual(kind, in: config) ?? usual(kind, in: layer.reference.model)
                against = "the other layers of its kind"
            }
            let actual = signature(of: layer.reference)
            guard let expected, actual != expected else { continue }
            misplaced.append((layer, actual.filter { !expected.contains($0) }, expected.filter { !actual.contains($0) }, against))
        }
        guard let first = misplaced.first else { return }
        let details = misplaced.prefix(4).map { entry in
            var parts: [String] = []
            if !entry.extra.isEmpty { parts.append("has \(Self.list(entry.extra))") }
            if !entry.missing.isEmpty { parts.append("lacks \(Self.list(entry.missing))") }
            return "\(context.describe(entry.layer)) \(parts.joined(separator: " and ")), unlike \(entry.against)"
        }
        let more = misplaced.count > 4 ? "; \(misplaced.count - 4) more layers likewise" : ""
        sink.add(.error(
            "cannot stack these layers: \(context.stackName): \(details.joined(separator: "; "))\(more); no key of config.json says where such layers may go, so they must keep their positions",
            at: context.location(ofLayer: first.layer.index)))
    }

    private static func list(_ suffixes: [ByteString]) -> String {
        let shown = suffixes.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        return suffixes.count > 3 ? shown + " and \(suffixes.count - 3) more" : shown
    }
}
