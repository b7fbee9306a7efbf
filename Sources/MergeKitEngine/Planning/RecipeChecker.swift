import MergeKitRecipe
import MergeKitYAML

/// Method-aware checks of a decoded recipe that need no weights: the method exists, every
/// parameter is one the method takes (unknown ones are warnings, as mergekit runs such recipes),
/// and every written value has the right type and range. Everything is reported at its position.
struct RecipeChecker {
    let recipe: Recipe
    /// The `parameters:` of the recipe's module (`modules:`), between a slice's and the top
    /// level's in precedence.
    var moduleParameters = ParameterTable()

    /// The recipe's method, or nil after reporting an error (with a "did you mean").
    func method(into sink: inout DiagnosticSink) -> (any MergeMethod)? {
        let written = recipe.mergeMethod
        if let method = MergeMethodRegistry.method(named: written.value) { return method }
        var message = "unknown merge method '\(written.value)'"
        if let hint = closestMatch(to: written.value, among: MergeMethodRegistry.names) {
            message += "; did you mean '\(hint)'?"
        } else {
            message += "; `mergekit-swift methods` lists them"
        }
        sink.add(.error(message, at: written.location))
        return nil
    }

    /// Every parameter table of the recipe, checked against the method's keys and parsed; the
    /// problems are reported in table order. `topLevel`: the top-level table already checked
    /// (for a recipe's second module onwards), so its problems are reported once.
    func checkParameters(of method: any MergeMethod, into sink: inout DiagnosticSink, topLevel: ParameterSettings? = nil) -> CheckedParameters {
        var checked = CheckedParameters()
        checked.topLevel = topLevel ?? check(recipe.parameters, context: "parameters", perModel: false, method: method, into: &sink)
        checked.module = check(moduleParameters, context: "module parameters", perModel: false, method: method, into: &sink)
        switch recipe.layout {
        case .models(let entries):
            checked.models = entries.map { entry in
                check(entry.parameters, context: "parameters of model '\(entry.model.value)'", perModel: true, method: method, into: &sink)
            }
        case .slices(let slices):
            checked.slices = slices.map { slice in
                let parameters = check(slice.parameters, context: "slice parameters", perModel: false, method: method, into: &sink)
                let sources = slice.sources.map { source in
                    check(source.parameters, context: "parameters of model '\(source.model.value)'", perModel: true, method: method, into: &sink)
                }
                return CheckedParameters.Slice(parameters: parameters, sources: sources)
            }
        case .modules:
            // The planner checks a module's own layout (`ModuleSelection`).
            break
        }
        return checked
    }

    /// Required per-model parameters that no table in reach sets for a model (checked without
    /// weights, so a typo is reported even when other problems stop planning early).
    func checkRequiredParameters(of method: any MergeMethod, into sink: inout DiagnosticSink) {
        let required = method.parameters.filter { $0.isRequired && $0.scope == .perModel }
        guard !required.isEmpty else { return }
        var models: [(model: Located<String>, base: String?, tables: [ParameterTable])] = []
        switch recipe.layout {
        case .models(let entries):
            models = entries.map { ($0.model, recipe.baseModel?.value, [$0.parameters, moduleParameters, recipe.parameters]) }
        case .slices(let slices):
            for slice in slices {
                let base = (slice.baseModel ?? recipe.baseModel)?.value
                models += slice.sources.map { ($0.model, base, [$0.parameters, slice.parameters, moduleParameters, recipe.parameters]) }
            }
        case .modules:
            break
        }
        let baseIsSpecial = method.baseModel == .required || method.baseModel == .optional
        for (model, base, tables) in models where !(baseIsSpecial && model.value == base) {
            for key in required where !tables.contains(where: { table in table.entries.contains { key.isWritten(as: $0.name.value) } }) {
                sink.report(Self.missing(key, model: model, writtenNames: tables.flatMap { $0.entries.map(\.name) }, method: method),
                            code: .missingParameter(name: key.name, location: model.location))
            }
        }
    }

    /// "missing required parameter", naming the likely typo when one of the written keys is close.
    static func missing(
        _ key: any ParameterDeclaration, model: Located<String>, writtenNames: [Located<String>], method: any MergeMethod
    ) -> Diagnostic {
        var message = "missing required parameter '\(key.name)' for model '\(model.value)' (\(method.name))"
        if let typo = writtenNames.first(where: { $0.value != key.name && closestMatch(to: $0.value, among: [key.name]) != nil }) {
            message += "; did you mean '\(key.name)' instead of '\(typo.value)' at \(typo.location.line):\(typo.location.column)?"
        }
        return .error(message, at: model.location)
    }

    /// The key a written name sets: its own name or one of its aliases.
    static func key(writtenAs name: String, in method: any MergeMethod) -> (any ParameterDeclaration)? {
        method.parameters.first { $0.name == name } ?? method.parameters.first { $0.alias(named: name) != nil }
    }

    /// Every name the method accepts: its keys', then their aliases.
    static func acceptedNames(of method: any MergeMethod) -> [String] {
        method.parameters.map(\.name) + method.parameters.flatMap { $0.aliases.map(\.name) }
    }

    private func check(
        _ table: ParameterTable, context: String, perModel: Bool, method: any MergeMethod, into sink: inout DiagnosticSink
    ) -> ParameterSettings {
        var settings = ParameterSettings(writtenNames: table.entries.map(\.name))
        let written = Set(table.entries.map(\.name.value))
        for entry in table.entries {
            let name = entry.name
            guard let key = Self.key(writtenAs: name.value, in: method) else {
                var message = "unknown parameter '\(name.value)' for \(method.name) in \(context)"
                if let hint = closestMatch(to: name.value, among: Self.acceptedNames(of: method)) {
                    message += "; did you mean '\(hint)'?"
                }
                sink.add(.warning(message, at: name.location))
                continue
            }
            let alias = key.alias(named: name.value)
            if let alias, written.contains(key.name) {
                sink.add(.error(
                    "both '\(key.name)' and '\(alias.name)' are set; \(alias.name) means \(alias.meaning(for: key.name)), so give one",
                    at: name.location))
            }
            if perModel, key.scope == .global {
                sink.add(.warning(
                    "'\(key.name)' is a global parameter of \(method.name) and is ignored per model; set it under the top-level or slice parameters",
                    at: name.location))
            }
            let value = parse(entry.value, key: key, writtenName: name.value, into: &sink)
            settings.settings.append(.init(parameter: key.name, alias: alias, value: value))
        }
        return settings
    }

    /// The value parsed for `key`; every scalar that is not a value of its type or is outside its
    /// range is reported (and left out).
    private func parse(
        _ value: ParameterValue, key: any ParameterDeclaration, writtenName: String, into sink: inout DiagnosticSink
    ) -> ParameterSettings.Value {
        switch value {
        case .scalar(let scalar):
            return parse(scalar, key: key, writtenName: writtenName, into: &sink).map(ParameterSettings.Value.constant) ?? .absent
        case .list(let items, _):
            guard !items.isEmpty else { return .absent }
            if case .strings = key.kind { return .constant(.strings(items.map(\.value.value))) }
            let values = items.map { parse($0, key: key, writtenName: writtenName, into: &sink) }
            let parsed = values.compactMap { $0 }
            guard parsed.count == values.count else { return .absent }
            if case .number = key.kind {
                return .gradient(parsed.compactMap { value -> Double? in
                    if case .number(let x) = value { return x }
                    return nil
                })
            }
            return .steps(parsed)
        case .filters(let entries, _):
            return .filters(entries.map { entry in
                ParameterSettings.Filter(
                    filter: entry.filter?.value, value: parse(entry.value, key: key, writtenName: writtenName, into: &sink))
            })
        }
    }

    private func parse(
        _ scalar: Located<YAMLScalar>, key: any ParameterDeclaration, writtenName: String, into sink: inout DiagnosticSink
    ) -> ResolvedValue? {
        guard let value = key.parse(scalar.value) else {
            sink.add(.error(
                "parameter '\(writtenName)' expects \(article(key.kindDescription)); found '\(scalar.value.value)'",
                at: scalar.location))
            return nil
        }
        if let range = key.range, case .number(let x) = value, !range.contains(x) {
            sink.add(.error(
                "parameter '\(writtenName)' must be a \(key.kindDescription); found \(scalar.value.value)",
                at: scalar.location))
            return nil
        }
        return value
    }

    private func article(_ kind: String) -> String {
        if kind.contains("|") { return "one of \(kind)" }
        return (kind.first.map { "aeiou".contains($0) } ?? false) ? "an \(kind)" : "a \(kind)"
    }
}
