public import MergeKitSafetensors

/// A config key that says which layers of a stack have a mixture-of-experts MLP and which a
/// dense one (their tensors differ, so a layer built as the wrong kind loses its weights). A
/// frankenmerge computes the kind of every output layer from its source and writes the keys
/// that say the same, or refuses when this key cannot.
public enum MoELayerRule: Sendable, Equatable {
    /// `first_k_dense_replace` (DeepSeek V2/V3, GLM-4 MoE): layer i is MoE when i ≥ `count`
    /// and, with `moe_layer_freq`, when i is a multiple of it.
    case leadingDense(key: ConfigKeyPath, count: Int, frequency: Int)
    /// `mlp_only_layers` (Qwen2/Qwen3 MoE): layer i is MoE when it is not listed and, with
    /// `decoder_sparse_step`, when i + 1 is a multiple of the step.
    case denseList(key: ConfigKeyPath, layers: [Int], step: Int)

    static let frequencyKey = "moe_layer_freq"
    static let stepKey = "decoder_sparse_step"

    /// The rule config.json states in the object at `object` (the one holding the stack's
    /// count), if any.
    init?(config: JSONValue, object: [String]) {
        let path = ConfigKeyPath(object + ["first_k_dense_replace"])
        if let count = path.value(in: config)?.intValue, count >= 0 {
            let frequency = path.sibling(Self.frequencyKey).value(in: config)?.intValue ?? 1
            self = .leadingDense(key: path, count: count, frequency: max(frequency, 1))
            return
        }
        let list = ConfigKeyPath(object + ["mlp_only_layers"])
        if let values = list.value(in: config)?.arrayValue {
            let layers = values.compactMap(\.intValue)
            guard layers.count == values.count else { return nil }
            let step = list.sibling(Self.stepKey).value(in: config)?.intValue ?? 1
            self = .denseList(key: list, layers: layers, step: max(step, 1))
            return
        }
        return nil
    }

    /// The key that states the rule.
    public var key: ConfigKeyPath {
        switch self {
        case .leadingDense(let key, _, _), .denseList(let key, _, _): return key
        }
    }

    public func isMixtureOfExperts(layer: Int) -> Bool {
        switch self {
        case .leadingDense(_, let count, let frequency): return layer >= count && layer % frequency == 0
        case .denseList(_, let layers, let step): return !layers.contains(layer) && (layer + 1) % step == 0
        }
    }

    /// The keys (and values) that make layers 0..<kinds.count have these kinds (true: MoE), or
    /// why this rule cannot express them.
    public func settings(for kinds: [Bool]) -> Result<[(key: ConfigKeyPath, value: JSONValue)], RuleProblem> {
        switch self {
        case .leadingDense(let key, _, let frequency):
            let count = kinds.firstIndex(of: true) ?? kinds.count
            let rule = MoELayerRule.leadingDense(key: key, count: count, frequency: frequency)
            guard kinds.indices.allSatisfy({ rule.isMixtureOfExperts(layer: $0) == kinds[$0] }) else {
                let later = frequency > 1 ? "then an MoE layer every \(frequency) layers" : "then MoE layers only"
                return .failure(RuleProblem(key: key, message: "\(key) can only make the first layers dense, \(later)"))
            }
            return .success([(key, .integer(count))])
        case .denseList(let key, _, let step):
            let dense = kinds.indices.filter { !kinds[$0] }
            if step > 1 {
                // Keep the step when it still holds: every layer it makes dense must be dense.
                let listed = dense.filter { ($0 + 1) % step == 0 }
                let rule = MoELayerRule.denseList(key: key, layers: listed, step: step)
                if kinds.indices.allSatisfy({ rule.isMixtureOfExperts(layer: $0) == kinds[$0] }) {
                    return .success([(key, .array(listed.map(JSONValue.integer)))])
                }
            }
            var settings: [(key: ConfigKeyPath, value: JSONValue)] = [(key, .array(dense.map(JSONValue.integer)))]
            if step > 1 { settings.append((key.sibling(Self.stepKey), .integer(1))) }
            return .success(settings)
        }
    }
}

/// Why a config key cannot say what the output's layers are.
public struct RuleProblem: Error, Sendable, Equatable {
    public var key: ConfigKeyPath
    public var message: String
}
