import MergeKitRecipe
import MergeKitYAML

/// Method-aware checks of a decoded recipe that need no weights: the method exists, every
/// parameter is one the method takes (unknown ones are warnings, as mergekit runs such recipes),
/// and every written value has the right type and range. Everything is reported at its position.
struct RecipeChecker {
    let recipe: Recipe

    /// The recipe's method, or nil after reporting an error (with a "did you mean").
    func method(reporting diagnostics: inout [Diagnostic]) -> (any MergeMethod)? {
        let written = recipe.mergeMethod
        if let method = MergeMethodRegistry.method(named: written.value) { return method }
        var message = "unknown merge method '\(written.value)'"
        if let hint = closestMatch(to: written.value, among: MergeMethodRegistry.names) {
            message += "; did you mean '\(hint)'?"
        } else {
            message += "; `mergekit-swift methods` lists them"
        }
        diagnostics.append(.error(message, at: written.location))
        return nil
    }

    /// Diagnostics for every parameter table of the recipe.
    func checkParameters(of method: any MergeMethod) -> [Diagnostic] {
        var found: [Diagnostic] = []
        found += check(recipe.parameters, context: "parameters", perModel: false, method: method)
        switch recipe.layout {
        case .models(let entries):
            for entry in entries {
                found += check(entry.parameters, context: "parameters of model '\(entry.model.value)'", perModel: true, method: method)
            }
        case .slices(let slices):
            for slice in slices {
                found += check(slice.parameters, context: "slice parameters", perModel: false, method: method)
                for source in slice.sources {
                    found += check(source.parameters, context: "parameters of model '\(source.model.value)'", perModel: true, method: method)
                }
            }
        }
        return found
    }

    /// Required per-model parameters that no table in reach sets for a model (checked without
    /// weights, so a typo is reported even when other problems stop planning early).
    func checkRequiredParameters(of method: any MergeMethod) -> [Diagnostic] {
        let required = method.parameters.filter { $0.isRequired && $0.scope == .perModel }
        guard !required.isEmpty else { return [] }
        var models: [(Located<String>, [ParameterTable])] = []
        switch recipe.layout {
        case .models(let entries):
            models = entries.map { ($0.model, [$0.parameters, recipe.parameters]) }
        case .slices(let slices):
            for slice in slices {
                models += slice.sources.map { ($0.model, [$0.parameters, slice.parameters, recipe.parameters]) }
            }
        }
        let baseIsSpecial = method.baseModel == .required || method.baseModel == .optional
        var found: [Diagnostic] = []
        for (model, tables) in models where !(baseIsSpecial && model.value == recipe.baseModel?.value) {
            for spec in required where !tables.contains(where: { table in
                table.entries.contains { ParameterResolver.names($0.name.value, match: spec.name) }
            }) {
                found.append(Self.missing(spec, model: model, tables: tables, method: method))
            }
        }
        return found
    }

    /// "missing required parameter", naming the likely typo when one of the written keys is close.
    static func missing(_ spec: ParameterSpec, model: Located<String>, tables: [ParameterTable], method: any MergeMethod) -> Diagnostic {
        var message = "missing required parameter '\(spec.name)' for model '\(model.value)' (\(method.name))"
        let written = tables.flatMap { $0.entries.map(\.name) }
        if let typo = written.first(where: { $0.value != spec.name && closestMatch(to: $0.value, among: [spec.name]) != nil }) {
            message += "; did you mean '\(spec.name)' instead of '\(typo.value)' at \(typo.location.line):\(typo.location.column)?"
        }
        return .error(message, at: model.location)
    }

    static func spec(named name: String, in method: any MergeMethod) -> ParameterSpec? {
        let lookup = name == ParameterResolver.dropRateName ? "density" : name
        return method.parameters.first { $0.name == lookup }
    }

    static func acceptedNames(of method: any MergeMethod) -> [String] {
        var names = method.parameters.map(\.name)
        if names.contains("density") { names.append(ParameterResolver.dropRateName) }
        return names
    }

    private func check(_ table: ParameterTable, context: String, perModel: Bool, method: any MergeMethod) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let written = Set(table.entries.map(\.name.value))
        for entry in table.entries {
            let name = entry.name
            guard let spec = Self.spec(named: name.value, in: method) else {
                var message = "unknown parameter '\(name.value)' for \(method.name) in \(context)"
                if let hint = closestMatch(to: name.value, among: Self.acceptedNames(of: method)) {
                    message += "; did you mean '\(hint)'?"
                }
                found.append(.warning(message, at: name.location))
                continue
            }
            if name.value == ParameterResolver.dropRateName, written.contains("density") {
                found.append(.error("both 'density' and 'drop_rate' are set; drop_rate means 1 − density, so give one", at: name.location))
            }
            if perModel, spec.scope == .global {
                found.append(.warning(
                    "'\(spec.name)' is a global parameter of \(method.name) and is ignored per model; set it under the top-level or slice parameters",
                    at: name.location))
            }
            found += checkValue(entry.value, spec: spec, writtenName: name.value)
        }
        return found
    }

    private func checkValue(_ value: ParameterValue, spec: ParameterSpec, writtenName: String) -> [Diagnostic] {
        switch value {
        case .scalar(let scalar):
            return checkScalar(scalar, spec: spec, writtenName: writtenName).map { [$0] } ?? []
        case .list(let items, _):
            if case .stringList = spec.kind { return [] }
            return items.compactMap { checkScalar($0, spec: spec, writtenName: writtenName) }
        case .filters(let entries, _):
            return entries.flatMap { checkValue($0.value, spec: spec, writtenName: writtenName) }
        }
    }

    private func checkScalar(_ scalar: Located<YAMLScalar>, spec: ParameterSpec, writtenName: String) -> Diagnostic? {
        guard let value = ParameterResolver.convert(scalar.value, spec: spec) else {
            return .error(
                "parameter '\(writtenName)' expects \(article(spec.kindDescription)); found '\(scalar.value.value)'",
                at: scalar.location)
        }
        if case .number(let range?) = spec.kind, case .number(let x) = value, !range.contains(x) {
            return .error(
                "parameter '\(writtenName)' must be a \(spec.kindDescription); found \(scalar.value.value)",
                at: scalar.location)
        }
        return nil
    }

    private func article(_ kind: String) -> String {
        if kind.contains("|") { return "one of \(kind)" }
        return (kind.first.map { "aeiou".contains($0) } ?? false) ? "an \(kind)" : "a \(kind)"
    }
}
