/// Evaluates checked parameter values for one tensor: filter lists pick the first entry whose
/// filter is a substring of the tensor name, gradients interpolate over the layer position t,
/// and the first table in precedence order that yields a value wins (source > slice > top level
/// > the key's default). Values were parsed and checked by `RecipeChecker`; nothing here reads
/// recipe text.
enum ParameterResolver {
    /// The value of `key` for a tensor named `tensorName` at layer position `t`, looking through
    /// `tables` in precedence order; nil when no table sets it and it has no default.
    static func resolve(
        _ key: any ParameterDeclaration, tensorName: String, t: Double, tables: [ParameterSettings]
    ) -> ResolvedValue? {
        for table in tables {
            for setting in table.settings.reversed() where setting.parameter == key.name {
                guard let value = evaluate(setting.value, tensorName: tensorName, t: t) else { continue }
                return setting.alias?.apply(to: value) ?? value
            }
        }
        return key.defaultValue
    }

    private static func evaluate(_ value: ParameterSettings.Value, tensorName: String, t: Double) -> ResolvedValue? {
        switch value {
        case .absent:
            return nil
        case .constant(let value):
            return value
        case .gradient(let anchors):
            return anchors.isEmpty ? nil : .number(interpolate(anchors, at: t))
        case .steps(let values):
            guard !values.isEmpty else { return nil }
            return values[min(values.count - 1, max(0, Int(t * Double(values.count - 1))))]
        case .filters(let entries):
            guard let entry = entries.first(where: { $0.matches(tensorName) }) else { return nil }
            return evaluate(entry.value, tensorName: tensorName, t: t)
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

    /// The layer position t of output layer `offset` in a slice of `count` layers (t = 1 for a
    /// one-layer slice, as mergekit does). Weights outside the layers use t = 0.
    static func layerPosition(offset: Int, count: Int) -> Double {
        count > 1 ? Double(offset) / Double(count - 1) : 1
    }
}
