import MergeKitCheckpoint
import MergeKitSafetensors

/// `mergekit-swift plan`: the plan for people (per layer: tensors, method, resolved parameters;
/// then shards and totals) and the same content as JSON.
public struct PlanReport: Sendable {
    public var plan: MergePlan
    public var workers: Int

    public init(plan: MergePlan, workers: Int) {
        self.plan = plan
        self.workers = workers
    }

    public var text: String {
        var lines = [Self.recipeLine(plan.recipe)] + stageLines + mergeLines
        lines.append("")
        lines.append("shards")
        for shard in plan.layout.shards {
            lines.append("  \(shard.fileName): \(shard.tensors.count) tensors, \(ByteFormatting.format(shard.fileSize))")
        }
        lines.append("")
        lines.append("totals: read \(ByteFormatting.format(plan.bytesRead)), write \(ByteFormatting.format(plan.bytesWritten)), \(plan.layout.shards.count) shard\(plan.layout.shards.count == 1 ? "" : "s"), estimated peak memory \(ByteFormatting.format(plan.estimatedPeakBytes(workers: workers))) (\(workers) worker\(workers == 1 ? "" : "s"))")
        return lines.joined(separator: "\n")
    }

    /// The merge of one document: method, models, vocabulary, every output tensor.
    var mergeLines: [String] {
        var lines: [String] = []
        lines.append("method: \(plan.method.name)")
        for rule in rules { lines.append("  \(rule.parameter): \(rule.text)") }
        if let module = plan.module { lines.append("module: \(module) (modules:; every stack of the model)") }
        for (index, name) in plan.modelNames.enumerated() {
            let role = index == plan.baseModelIndex ? " (base)" : ""
            let model = plan.models[index]
            var line = "model \(index): \(name)\(role) → " + (model.stage.map { "stage '\($0)'" } ?? model.path)
            if let adapterPath = model.adapterPath { line += " + adapter \(adapterPath)" }
            if !model.isPlainSafetensors && model.stage == nil {
                line += " (\(model.weights.layoutDescription)" + (model.adapterDescription.map { "; \($0)" } ?? "") + ")"
            }
            lines.append(line)
        }
        lines += vocabularyLines
        lines.append("output: \(plan.jobs.count) tensors in \(plan.outputLayerCount) layers")
        lines += stackLines
        var currentGroup: String?
        // With several modules the jobs come module by module, each module's count of them.
        let modules = plan.stacks?.modules ?? []
        let moduleOfJob = modules.flatMap { Array(repeating: $0.name + ": ", count: $0.tensorCount) }
        for (index, job) in plan.jobs.enumerated() {
            let group = (index < moduleOfJob.count ? moduleOfJob[index] : "") + Self.groupName(job.placement)
            if group != currentGroup {
                lines.append("")
                lines.append(group)
                currentGroup = group
            }
            lines.append("  " + describe(job))
        }
        return lines
    }

    /// What a parameter whose value alone does not say its effect (`rescale: true`) does, once
    /// per distinct value the plan uses, in the order tensors first use it.
    struct Rule: Equatable {
        var parameter: String
        var value: ResolvedValue
        var text: String
    }

    var rules: [Rule] {
        var found: [Rule] = []
        for key in plan.method.parameters {
            for job in plan.jobs where job.verbatimInput == nil {
                let values = key.scope == .global ? [job.merge.parameters[key.name]] : job.merge.inputs.map { $0.parameters[key.name] }
                for case let value? in values where !found.contains(where: { $0.parameter == key.name && $0.value == value }) {
                    if let text = key.rule(for: value) { found.append(Rule(parameter: key.name, value: value, text: text)) }
                }
            }
        }
        return found
    }

    static func groupName(_ placement: TensorPlacement) -> String {
        switch placement {
        case .beforeLayers: return "before layers"
        case .layer(let index): return "layer \(index)"
        case .afterLayers: return "after layers"
        }
    }

    private func describe(_ job: TensorJob) -> String {
        var parts = ["\(job.outputName) \(job.outputDType.rawValue) \(job.shape)"]
        let sources = zip(job.inputs, job.merge.inputs).map { input, merge in
            let name = plan.modelNames[input.modelIndex]
            let renamed = input.tensorName.hasSameBytes(as: job.outputName) ? "" : ":" + input.tensorName
            return (merge.isBase ? "base " : "") + name + renamed + sourceMark(input)
        }
        parts.append("← " + sources.joined(separator: ", "))
        if job.verbatimInput != nil {
            parts.append("copy")
        } else {
            let perModel = Set(job.merge.inputs.flatMap { $0.parameters.entries.map(\.name) }).sorted()
            for name in perModel {
                let values = job.merge.inputs.map { $0.parameters[name]?.description ?? "-" }
                parts.append("\(name)=[\(values.joined(separator: ", "))]")
            }
            for entry in job.merge.parameters.entries {
                parts.append("\(entry.name)=\(entry.value)")
            }
        }
        if let rows = job.alignedRows {
            parts.append(Self.rowsDescription(rows))
        }
        return parts.joined(separator: "  ")
    }

    /// " (LoRA r16 s2)", " (from adapter)", " (strided)", or "" for a tensor read as stored.
    private func sourceMark(_ input: TensorInput) -> String {
        var marks: [String] = []
        if let adapted = input.adapted {
            marks.append("LoRA r\(adapted.module.rank) s\(ModelDirectory.number(adapted.module.scale))")
        } else if plan.models[input.modelIndex].isReplacedByAdapter(input.tensorName) {
            marks.append("from adapter")
        }
        if input.isStrided { marks.append("strided") }
        return marks.isEmpty ? "" : " (" + marks.joined(separator: ", ") + ")"
    }

    public var json: JSONValue {
        .members([("recipe", .string(plan.recipe.file))] + (plan.stages.isEmpty ? [] : [("stages", stagesJSON)]) + mergeJSON + [
            ("shards", .array(plan.layout.shards.map {
                .members([("file", .string($0.fileName)), ("tensors", .number(String($0.tensors.count))), ("bytes", .number(String($0.fileSize)))])
            })),
            ("totals", .members([
                ("bytes_read", .number(String(plan.bytesRead))),
                ("bytes_written", .number(String(plan.bytesWritten))),
                ("shards", .number(String(plan.layout.shards.count))),
                ("estimated_peak_bytes", .number(String(plan.estimatedPeakBytes(workers: workers)))),
                ("workers", .number(String(workers))),
            ])),
        ])
    }

    /// The merge of one document as JSON members: method, rules, models, vocabulary, tensors.
    var mergeJSON: [(String, JSONValue)] {
        let tensors: [JSONValue] = plan.jobs.map { job in
            let placed = plan.layout.location(of: job.outputName)
            let inputs: [JSONValue] = zip(job.inputs, job.merge.inputs).map { input, merge in
                var members: [(String, JSONValue)] = [
                    ("model", .string(plan.modelNames[input.modelIndex])),
                    ("tensor", .string(input.tensorName)),
                    ("base", .bool(merge.isBase)),
                    ("format", .string(input.format)),
                ]
                if let adapted = input.adapted {
                    members.append(("lora", .members([
                        ("rank", .number(String(adapted.module.rank))),
                        ("alpha", Self.number(adapted.module.alpha)),
                        ("scale", Self.number(adapted.module.scale)),
                        ("layout", .string(adapted.module.layout == .product ? "B·A" : "(B·A)ᵀ")),
                    ])))
                } else if plan.models[input.modelIndex].isReplacedByAdapter(input.tensorName) {
                    members.append(("from_adapter", .bool(true)))
                }
                if input.isStrided { members.append(("strided", .bool(true))) }
                members.append(("parameters", Self.json(merge.parameters)))
                return .members(members)
            }
            var members: [(String, JSONValue)] = [
                ("name", .string(job.outputName)),
                ("group", .string(Self.groupName(job.placement))),
                ("dtype", .string(job.outputDType.rawValue)),
                ("shape", .array(job.shape.map { .number(String($0)) })),
                ("shard", .string(placed.map { plan.layout.shards[$0.shardIndex].fileName } ?? "")),
                ("offset", .number(String(placed?.fileOffset ?? 0))),
                ("bytes", .number(String(job.outputBytes))),
                ("copy", .bool(job.verbatimInput != nil)),
                ("inputs", .array(inputs)),
                ("parameters", Self.json(job.merge.parameters)),
            ]
            if let rows = job.alignedRows { members.append(("rows", Self.rowsJSON(rows))) }
            return .members(members)
        }
        return [
            ("method", .string(plan.method.name)),
            ("module", plan.module.map(JSONValue.string) ?? .null),
            ("rules", .array(rules.map { rule in
                .members([("parameter", .string(rule.parameter)), ("value", .string(rule.value.description)), ("rule", .string(rule.text))])
            })),
            ("models", .array(plan.modelNames.enumerated().map { index, name in Self.json(plan.models[index], name: name, isBase: index == plan.baseModelIndex) })),
        ] + vocabularyJSON + [
            ("layers", .number(String(plan.outputLayerCount))),
            ("structure", stacksJSON),
            ("tensors", .array(tensors)),
        ]
    }

    private static func json(_ model: ModelDirectory, name: String, isBase: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)), ("path", .string(model.path)), ("base", .bool(isBase)),
            ("format", .string(model.stage == nil ? model.format : "stage")), ("shards", .number(String(model.weights.shardCount))),
        ]
        if let adapter = model.adapter {
            members.append(("adapter", .members([
                ("path", .string(adapter.directory)),
                ("modules", .number(String(adapter.modules.count))),
                ("replaced_tensors", .array(adapter.replacements.map { .string($0.baseTensor) })),
                ("rslora", .bool(adapter.config.usesRSLoRA)),
            ])))
        }
        return .members(members)
    }

    /// A number as JSON: integers without a fraction.
    private static func number(_ value: Double) -> JSONValue {
        .number(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
    }

    private static func json(_ parameters: ResolvedParameters) -> JSONValue {
        .members(parameters.entries.map { entry in
            let (key, value) = (entry.name, entry.value)
            switch value {
            case .number(let x): return (key, .number(x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"))
            case .bool(let b): return (key, .bool(b))
            case .string(let s): return (key, .string(s))
            case .strings(let list): return (key, .array(list.map { .string($0) }))
            }
        })
    }
}
