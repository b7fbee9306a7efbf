import MergeKitRecipe
import MergeKitYAML

/// Evaluates recipe parameter values for one tensor: filter lists pick the first entry whose
/// filter is a substring of the tensor name, gradients interpolate over the layer position t,
/// and the first table in precedence order that yields a value wins (source > slice > top level
/// > method default). Types were checked by `RecipeChecker` before anything is resolved.
struct ParameterResolver {
    /// The value of `spec` for a tensor named `tensorName` at layer position `t`, looking through
    /// `tables` in precedence order; nil when no table sets it and there is no default.
    static func resolve(
        _ spec: ParameterSpec, tensorName: String, t: Double, tables: [ParameterTable]
    ) -> ResolvedValue? {
        for table in tables {
            for entry in table.entries.reversed() where names(entry.name.value, match: spec.name) {
                guard let value = evaluate(entry.value, spec: spec, tensorName: tensorName, t: t) else { continue }
                if entry.name.value == dropRateName, case .number(let p) = value { return .number(1 - p) }
                return value
            }
        }
        return spec.defaultValue
    }

    /// `drop_rate` is written wherever `density` is and means 1 − density (resolved in `evaluate`).
    static func names(_ written: String, match parameter: String) -> Bool {
        written == parameter || (parameter == "density" && written == dropRateName)
    }

    static let dropRateName = "drop_rate"

    private static func evaluate(
        _ value: ParameterValue, spec: ParameterSpec, tensorName: String, t: Double
    ) -> ResolvedValue? {
        switch value {
        case .scalar(let scalar):
            return convert(scalar.value, spec: spec)
        case .list(let items, _):
            return evaluateList(items.map(\.value), spec: spec, t: t)
        case .filters(let entries, _):
            for entry in entries {
                let filter = entry.filter?.value
                if filter == nil || filter == "*" || tensorName.contains(filter ?? "") {
                    return evaluate(entry.value, spec: spec, tensorName: tensorName, t: t)
                }
            }
            return nil
        }
    }

    /// A list is the value itself for string-list parameters, a gradient for numbers, and for any
    /// other kind picks `values[Int(t·(n−1))]` (mergekit's rule for non-numeric lists).
    private static func evaluateList(_ items: [YAMLScalar], spec: ParameterSpec, t: Double) -> ResolvedValue? {
        guard !items.isEmpty else { return nil }
        switch spec.kind {
        case .stringList:
            return .strings(items.map(\.value))
        case .number:
            let numbers = items.compactMap(\.numberValue)
            guard numbers.count == items.count else { return nil }
            return .number(interpolate(numbers, at: t))
        case .bool, .choice:
            let index = min(items.count - 1, max(0, Int(t * Double(items.count - 1))))
            return convert(items[index], spec: spec)
        }
    }

    /// Piecewise-linear interpolation of gradient anchors at t ∈ [0, 1], in Double.
    static func interpolate(_ anchors: [Double], at t: Double) -> Double {
        guard anchors.count > 1 else { return anchors[0] }
        let scaled = t * Double(anchors.count - 1)
        let lower = min(max(Int(scaled.rounded(.down)), 0), anchors.count - 1)
        let upper = min(lower + 1, anchors.count - 1)
        let fraction = scaled - Double(lower)
        return anchors[lower] * (1 - fraction) + anchors[upper] * fraction
    }

    static func convert(_ scalar: YAMLScalar, spec: ParameterSpec) -> ResolvedValue? {
        switch spec.kind {
        case .number: return scalar.numberValue.map(ResolvedValue.number)
        case .bool: return scalar.boolValue.map(ResolvedValue.bool)
        case .choice(let words):
            if let bool = scalar.boolValue, words.contains(bool ? "true" : "false") {
                return .string(bool ? "true" : "false")
            }
            return words.contains(scalar.value) ? .string(scalar.value) : nil
        case .stringList: return .strings([scalar.value])
        }
    }

    /// The layer position t of output layer `offset` in a slice of `count` layers (t = 1 for a
    /// one-layer slice, as mergekit does). Weights outside the layers use t = 0.
    static func layerPosition(offset: Int, count: Int) -> Double {
        count > 1 ? Double(offset) / Double(count - 1) : 1
    }
}
