internal import MergeKitYAML

/// `parameters:` mappings and their values: a scalar, a list of scalars (a gradient, or a string
/// list), a list of `{filter, value}` entries, or one such entry on its own. Parameter names are not checked here: only the
/// engine knows which method takes which.
extension RecipeDocumentDecoder {
    /// An empty `parameters:` (null) is an empty table.
    mutating func decodeParameters(_ node: YAMLNode) -> ParameterTable {
        if isNull(node) {
            return ParameterTable(location: node.location)
        }
        guard let pairs = node.mapping else {
            error("'parameters' must be a mapping of parameter names to values; found \(node.kindName)",
                  at: node.location)
            return ParameterTable(location: node.location)
        }
        var entries: [ParameterEntry] = []
        for pair in pairs {
            let name = keyText(pair)
            if let value = decodeParameterValue(pair.value, parameter: name) {
                entries.append(ParameterEntry(name: Located(name, at: pair.key.location), value: value))
            }
        }
        return ParameterTable(entries: entries, location: node.location)
    }

    private mutating func decodeParameterValue(_ node: YAMLNode, parameter: String) -> ParameterValue? {
        let expected = "parameter '\(parameter)' must be a value, a list of values, or {filter, value} entries"
        switch node.kind {
        case .scalar(let scalar):
            return .scalar(Located(scalar, at: node.location))
        case .mapping:
            // mergekit also takes one `{filter, value}` entry on its own, as a one-entry list.
            return decodeFilterList([node], at: node.location, parameter: parameter)
        case .sequence(let items):
            if items.allSatisfy({ $0.mapping != nil }), !items.isEmpty {
                return decodeFilterList(items, at: node.location, parameter: parameter)
            }
            return decodeValueList(items, at: node.location, problemPrefix: expected)
        }
    }

    /// A list of scalars. Reports an empty list, a nested list, a list of mappings where filters
    /// cannot be, and a mix of values and mappings (at the first item that breaks the pattern).
    private mutating func decodeValueList(
        _ items: [YAMLNode], at location: SourceLocation, problemPrefix: String
    ) -> ParameterValue? {
        guard let first = items.first else {
            error("\(problemPrefix); found an empty list", at: location)
            return nil
        }
        if items.allSatisfy({ $0.mapping != nil }) {
            error("\(problemPrefix); found a list of mappings (filter lists cannot be nested)", at: location)
            return nil
        }
        let firstIsMapping = first.mapping != nil
        if let odd = items.first(where: { ($0.mapping != nil) != firstIsMapping }) {
            error("\(problemPrefix); found a list mixing values and {filter, value} entries", at: odd.location)
            return nil
        }
        var values: [Located<YAMLScalar>] = []
        for item in items {
            guard let scalar = item.scalar else {
                error("\(problemPrefix); found a list inside the list", at: item.location)
                return nil
            }
            values.append(Located(scalar, at: item.location))
        }
        return .list(values, at: location)
    }

    private mutating func decodeFilterList(
        _ items: [YAMLNode], at location: SourceLocation, parameter: String
    ) -> ParameterValue? {
        var entries: [FilterEntry] = []
        var failed = false
        for item in items {
            if let entry = decodeFilterEntry(item, parameter: parameter) {
                entries.append(entry)
            } else {
                failed = true
            }
        }
        return failed ? nil : .filters(entries, at: location)
    }

    /// `{filter: NAME, value: V}`; no filter (or `*`) matches every tensor, V is a scalar or a list.
    private mutating func decodeFilterEntry(_ node: YAMLNode, parameter: String) -> FilterEntry? {
        let keys = knownPairs(node.mapping ?? [], known: RecipeKey.filterEntry, context: "filter entry")
        let filter = optionalString(keys[RecipeKey.filter])
        let filterFailed = keys[RecipeKey.filter].map { !isNull($0.value) && filter == nil } ?? false
        guard let valuePair = keys[RecipeKey.value] else {
            error("filter entry of parameter '\(parameter)' is missing required key 'value'", at: node.location)
            return nil
        }
        let expected = "'value' of a filter entry must be a value or a list of values"
        let value: ParameterValue?
        switch valuePair.value.kind {
        case .scalar(let scalar):
            value = .scalar(Located(scalar, at: valuePair.value.location))
        case .mapping:
            error("\(expected); found a mapping", at: valuePair.value.location)
            value = nil
        case .sequence(let items):
            value = decodeValueList(items, at: valuePair.value.location, problemPrefix: expected)
        }
        guard let value, !filterFailed else { return nil }
        return FilterEntry(filter: filter, value: value, location: node.location)
    }
}
