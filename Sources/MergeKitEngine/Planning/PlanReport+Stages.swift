import MergeKitRecipe
import MergeKitSafetensors

/// `plan` for a multi-stage recipe: each stage the output reads, in the order it is planned,
/// with its whole merge (method, models, tensors), before the output's own merge.
extension PlanReport {
    static func recipeLine(_ recipe: Recipe) -> String {
        "recipe: \(recipe.file)"
    }

    var stageLines: [String] {
        guard !plan.stages.isEmpty else { return [] }
        var lines = ["stages: \(plan.stages.count), computed while the output is merged (a tensor when a later stage reads it), never written"]
        for stage in plan.stages {
            lines.append("")
            lines.append("stage '\(stage.name.value)' (line \(stage.name.location.line))" + Self.readsText(stage.reads)
                + ": \(stage.plan.jobs.count) tensors in \(stage.plan.outputLayerCount) layers, seed \(stage.plan.seed)")
            lines += PlanReport(plan: stage.plan, workers: workers).mergeLines.map { $0.isEmpty ? $0 : "  " + $0 }
        }
        lines.append("")
        lines.append("output" + (plan.recipe.name.map { " = stage '\($0.value)'" } ?? "") + " (line \(plan.recipe.mergeMethod.location.line))")
        return lines
    }

    var stagesJSON: JSONValue {
        .array(plan.stages.map { stage in
            .members([
                ("name", .string(stage.name.value)),
                ("line", .number(String(stage.name.location.line))),
                ("reads", .array(stage.reads.map { .string($0) })),
                ("seed", .number(String(stage.plan.seed))),
            ] + PlanReport(plan: stage.plan, workers: workers).mergeJSON)
        })
    }

    private static func readsText(_ reads: [String]) -> String {
        reads.isEmpty ? "" : ", reads " + reads.map { "'\($0)'" }.joined(separator: ", ")
    }
}
