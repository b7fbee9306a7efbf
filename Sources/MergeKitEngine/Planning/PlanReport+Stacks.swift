import MergeKitSafetensors

extension PlanReport {
    /// `plan`'s description of the output's layers: each stack with its count key and the
    /// count in every model, which input layers make each output layer, the models the tensors
    /// around the text stack come from, and every change to config.json.
    var stackLines: [String] {
        guard let stacks = plan.stacks else { return [] }
        var lines = ["", "stacks"]
        for stack in stacks.stacks {
            let key = stack.countKey.map { "counted by \($0)" } ?? "not counted by config.json"
            let counts = stack.counts.enumerated().compactMap { index, count in count.map { "\(plan.modelNames[index]) \($0)" } }
            let use = stack.isSliced ? "slices apply to it" : "taken whole from the first slice's models"
            lines.append("  \(stack.prefix) (\(stack.role.rawValue)): \(key); layers: \(counts.joined(separator: ", ")); \(use)")
        }
        if let text = stacks.stacks.first(where: \.isSliced) {
            lines.append("")
            lines.append("output layers of \(text.prefix)")
            for layer in stacks.layers {
                let sources = layer.sources.map { "\(plan.modelNames[$0.model]) layer \($0.layer)" }
                lines.append("  \(layer.index) ← \(sources.joined(separator: ", "))")
            }
        }
        lines.append("")
        lines.append("before the stack (embeddings, other stacks): from \(names(stacks.before))")
        lines.append("after the stack (final norm, head): from \(names(stacks.after))")
        lines.append("")
        if stacks.configEdits.isEmpty {
            lines.append("config.json: as the config model's (dtype aside)")
        } else {
            lines.append("config.json")
            for edit in stacks.configEdits {
                let old = edit.old.map { $0.serialized() } ?? "(absent)"
                lines.append("  \(edit.key): \(old) → \(edit.new.serialized())  (\(edit.reason))")
            }
        }
        return lines
    }

    /// The same as JSON.
    var stacksJSON: JSONValue {
        guard let stacks = plan.stacks else { return .null }
        return .members([
            ("stacks", .array(stacks.stacks.map { stack in
                .members([
                    ("prefix", .string(stack.prefix)),
                    ("role", .string(stack.role.rawValue)),
                    ("count_key", stack.countKey.map { .string($0.description) } ?? .null),
                    ("layers", .array(stack.counts.enumerated().compactMap { index, count in
                        count.map { .members([("model", .string(plan.modelNames[index])), ("count", .integer($0))]) }
                    })),
                    ("sliced", .bool(stack.isSliced)),
                ])
            })),
            ("output_layers", .array(stacks.layers.map { layer in
                .members([
                    ("layer", .integer(layer.index)),
                    ("sources", .array(layer.sources.map { .members([("model", .string(plan.modelNames[$0.model])), ("layer", .integer($0.layer))]) })),
                ])
            })),
            ("before_from", .array(stacks.before.map { .string(plan.modelNames[$0]) })),
            ("after_from", .array(stacks.after.map { .string(plan.modelNames[$0]) })),
            ("config_changes", .array(stacks.configEdits.map { edit in
                .members([("key", .string(edit.key.description)), ("old", edit.old ?? .null), ("new", edit.new), ("reason", .string(edit.reason))])
            })),
        ])
    }

    private func names(_ models: [Int]) -> String {
        models.map { plan.modelNames[$0] }.joined(separator: ", ")
    }
}
