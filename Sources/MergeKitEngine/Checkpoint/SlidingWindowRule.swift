public import MergeKitSafetensors

/// A config key that says which layers attend through a sliding window when config.json has no
/// `layer_types` list (configs saved before transformers 5; with the list, the list decides and
/// these keys are left alone). A frankenmerge computes each output layer's attention from its
/// source and keeps the key when it still says the same, or refuses.
public enum SlidingWindowRule: Sendable, Equatable {
    /// `max_window_layers` (Qwen2, Qwen3 with `use_sliding_window`): layers from `start` on use
    /// the window.
    case fromLayer(key: ConfigKeyPath, start: Int)
    /// `sliding_window_pattern` (Gemma 3, Cohere 2): every `period`-th layer attends fully, the
    /// others use the window.
    case period(key: ConfigKeyPath, period: Int)

    /// The rule config.json states in the object at `object`, if no explicit list supersedes it.
    init?(config: JSONValue, object: [String]) {
        let at = { (key: String) in ConfigKeyPath(object + [key]) }
        guard at("layer_types").value(in: config)?.arrayValue == nil else { return nil }
        for name in ["sliding_window_pattern", "_sliding_window_pattern"] {
            if let period = at(name).value(in: config)?.intValue, period >= 1 {
                self = .period(key: at(name), period: period)
                return
            }
        }
        let window = at("sliding_window").value(in: config)
        if let start = at("max_window_layers").value(in: config)?.intValue,
           at("use_sliding_window").value(in: config)?.boolValue == true, let window, !window.isNull {
            self = .fromLayer(key: at("max_window_layers"), start: start)
            return
        }
        return nil
    }

    public var key: ConfigKeyPath {
        switch self {
        case .fromLayer(let key, _), .period(let key, _): return key
        }
    }

    public func usesWindow(layer: Int) -> Bool {
        switch self {
        case .fromLayer(_, let start): return layer >= start
        case .period(_, let period): return (layer + 1) % period != 0
        }
    }

    /// The key (and value) that makes layers 0..<windowed.count use the window where
    /// `windowed` says, or why this rule cannot express it.
    public func settings(for windowed: [Bool]) -> Result<[(key: ConfigKeyPath, value: JSONValue)], RuleProblem> {
        switch self {
        case .fromLayer(let key, _):
            let start = windowed.firstIndex(of: true) ?? windowed.count
            guard windowed[start...].allSatisfy({ $0 }) else {
                return .failure(RuleProblem(key: key, message: "\(key) can only put the window on the last layers (and config.json has no layer_types list)"))
            }
            return .success([(key, .integer(start))])
        case .period(let key, let period):
            guard windowed.indices.allSatisfy({ usesWindow(layer: $0) == windowed[$0] }) else {
                return .failure(RuleProblem(
                    key: key, message: "\(key) = \(period) gives full attention to every \(period)th layer and the window to the others (and config.json has no layer_types list)"))
            }
            return .success([(key, .integer(period))])
        }
    }
}
