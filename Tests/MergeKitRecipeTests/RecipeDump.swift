import MergeKitRecipe
import MergeKitYAML

/// A decoded recipe as indented text, so a test states the whole result (values as written and,
/// optionally, every position) as one expected string.
struct RecipeDump {
    var positions: Bool

    func dump(_ recipe: Recipe) -> String {
        var lines: [String] = []
        func add(_ key: String, _ value: Located<String>?) {
            if let value { lines.append("\(key): \(value.value)\(at(value.location))") }
        }
        add("name", recipe.name)
        add("merge_method", recipe.mergeMethod)
        add("base_model", recipe.baseModel)
        add("dtype", recipe.dtype)
        add("out_dtype", recipe.outDType)
        add("tokenizer_source", recipe.tokenizerSource)
        if let seed = recipe.seed {
            lines.append("seed: \(seed.value)\(at(seed.location))")
        }
        lines += table(recipe.parameters, indent: "")
        lines += layout(recipe.layout, indent: "")
        return lines.joined(separator: "\n")
    }

    private func layout(_ layout: Recipe.Layout, indent: String) -> [String] {
        var lines: [String] = []
        switch layout {
        case .models(let models):
            lines.append("\(indent)models:")
            for entry in models {
                lines.append("\(indent)  - model \(entry.model.value)\(at(entry.model.location))")
                lines += table(entry.parameters, indent: indent + "    ")
            }
        case .slices(let slices):
            lines.append("\(indent)slices:")
            for slice in slices {
                lines.append("\(indent)  - slice\(at(slice.location))")
                if let base = slice.baseModel { lines.append("\(indent)    base_model: \(base.value)\(at(base.location))") }
                lines += table(slice.parameters, indent: indent + "    ")
                for source in slice.sources {
                    var line = "\(indent)    - source \(source.model.value)\(at(source.model.location))"
                    if let range = source.layerRange {
                        line += " layers [\(range.value.start), \(range.value.end))\(at(range.location))"
                    }
                    lines.append(line)
                    lines += table(source.parameters, indent: indent + "      ")
                }
            }
        case .modules(let modules):
            lines.append("\(indent)modules:")
            for module in modules {
                lines.append("\(indent)  \(module.name.value)\(at(module.name.location)):")
                lines += table(module.parameters, indent: indent + "    ")
                lines += self.layout(module.layout, indent: indent + "    ")
            }
        }
        return lines
    }

    private func table(_ table: ParameterTable, indent: String) -> [String] {
        guard let location = table.location else { return [] }
        var lines = ["\(indent)parameters\(at(location))"]
        for entry in table.entries {
            let name = "\(indent)  \(entry.name.value)\(at(entry.name.location)) = "
            switch entry.value {
            case .filters(let filters, let listLocation):
                lines.append(name + "filters\(at(listLocation))")
                for filter in filters {
                    let label = filter.filter.map { "\($0.value)\(at($0.location))" } ?? "(any)"
                    lines.append("\(indent)    - \(label) -> \(value(filter.value))\(at(filter.location))")
                }
            default:
                lines.append(name + value(entry.value))
            }
        }
        return lines
    }

    private func value(_ value: ParameterValue) -> String {
        switch value {
        case .scalar(let scalar):
            return self.scalar(scalar)
        case .list(let items, let location):
            return "[" + items.map(scalar).joined(separator: ", ") + "]\(at(location))"
        case .filters(let filters, let location):
            return "filters(\(filters.count))\(at(location))"
        }
    }

    private func scalar(_ scalar: Located<YAMLScalar>) -> String {
        let text: String
        switch scalar.value.style {
        case .singleQuoted: text = "'\(scalar.value.value)'"
        case .doubleQuoted: text = "\"\(scalar.value.value)\""
        default: text = scalar.value.isNull ? "null" : scalar.value.value
        }
        return text + at(scalar.location)
    }

    private func at(_ location: SourceLocation) -> String {
        positions ? " @\(location.line):\(location.column)" : ""
    }
}
