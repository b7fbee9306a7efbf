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
            var use = stack.isSliced ? "slices apply to it" : "taken whole from the first slice's models"
            if let module = stacks.modules.first(where: { $0.stackPrefix == stack.prefix }) {
                use = "module \(module.name)"
            }
            lines.append("  \(stack.prefix) (\(stack.role.rawValue)): \(key); layers: \(counts.joined(separator: ", ")); \(use)")
        }
        if !stacks.modules.isEmpty {
            lines += moduleLines(stacks.modules)
        } else if let text = stacks.stacks.first(where: \.isSliced) {
            lines.append("")
            lines.append("output layers of \(text.prefix)")
            for layer in stacks.layers {
                let sources = layer.sources.map { "\(plan.modelNames[$0.model]) layer \($0.layer)" }
                lines.append("  \(layer.index) ← \(sources.joined(separator: ", "))")
            }
        }
        if stacks.modules.isEmpty {
            lines.append("")
            lines.append("before the stack (embeddings, other stacks): from \(names(stacks.before))")
            lines.append("after the stack (final norm, head): from \(names(stacks.after))")
        }
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

    /// Each module of `modules:` on a model with several: its stack and layout, its slices'
    /// layer ranges, which input layers make each output layer, and where its tensors outside
    /// the stack come from.
    private func moduleLines(_ modules: [StackPlan.Module]) -> [String] {
        var lines: [String] = []
        for module in modules {
            lines.append("")
            let stack = module.stackPrefix.map { "its stack \($0)" } ?? "no layers"
            lines.append("module \(module.name): \(module.layout); \(stack); \(module.tensorCount) tensor\(module.tensorCount == 1 ? "" : "s")")
            if module.layout == "slices" {
                for (index, slice) in module.slices.enumerated() {
                    let sources = slice.map { "\(plan.modelNames[$0.model]) [\($0.start), \($0.end))" }
                    lines.append("  slice \(index): \(sources.joined(separator: ", "))")
                }
            }
            if module.stackPrefix != nil {
                for layer in module.layers {
                    let sources = layer.sources.map { "\(plan.modelNames[$0.model]) layer \($0.layer)" }
                    lines.append("  \(layer.index) ← \(sources.joined(separator: ", "))")
                }
                lines.append("  before its stack: from \(names(module.before)); after it: from \(names(module.after))")
            } else {
                lines.append("  its tensors: from \(names(module.before))")
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
            ("modules", .array(stacks.modules.map { module in
                .members([
                    ("name", .string(module.name)),
                    ("layout", .string(module.layout)),
                    ("stack", module.stackPrefix.map(JSONValue.string) ?? .null),
                    ("tensors", .integer(module.tensorCount)),
                    ("slices", .array(module.slices.map { slice in
                        .array(slice.map { .members([("model", .string(plan.modelNames[$0.model])), ("layer_range", .array([.integer($0.start), .integer($0.end)]))]) })
                    })),
                    ("output_layers", .array(module.layers.map { layer in
                        .members([
                            ("layer", .integer(layer.index)),
                            ("sources", .array(layer.sources.map { .members([("model", .string(plan.modelNames[$0.model])), ("layer", .integer($0.layer))]) })),
                        ])
                    })),
                    ("before_from", .array(module.before.map { .string(plan.modelNames[$0]) })),
                    ("after_from", .array(module.after.map { .string(plan.modelNames[$0]) })),
                ])
            })),
            ("config_changes", .array(stacks.configEdits.map { edit in
                .members([("key", .string(edit.key.description)), ("old", edit.old ?? .null), ("new", edit.new), ("reason", .string(edit.reason))])
            })),
        ])
    }

    private func names(_ models: [Int]) -> String {
        models.map { plan.modelNames[$0] }.joined(separator: ", ")
    }
}
