import MergeKitRecipe

/// Plans a multi-stage recipe as one merge: every stage the output needs is planned (each after
/// the stages it reads, with those stages as models in its catalog), and the output document's
/// plan carries them all. Nothing runs a stage on its own: its tensors are computed when the
/// output's jobs read them (`StageTensor`).
struct StagePlanner {
    let recipes: [Recipe]
    let options: PlanOptions
    /// The decoder's warnings.
    let warnings: [Diagnostic]
    /// The models the documents name by Hub id.
    let hubModels: HubModels

    func plan() throws(RecipeError) -> MergePlan {
        var diagnostics = warnings
        let graph = StageGraph(recipes, into: &diagnostics)
        guard !diagnostics.contains(where: { $0.severity == .error }), let output = graph.output(into: &diagnostics),
            let order = graph.order(from: output, into: &diagnostics)
        else { throw Self.failure(diagnostics) }
        // The output and the stages it needs, then the others: planned (so each is checked as a
        // recipe, its errors at their line) but not computed.
        let outputPosition = order.firstIndex(of: output) ?? order.count - 1
        let needed = Set(order[...outputPosition])
        for (index, recipe) in recipes.enumerated() where !needed.contains(index) {
            guard let name = recipe.name else { continue }
            diagnostics.append(.warning(
                "stage '\(name.value)' is not read by the output's merge, so it is not computed (mergekit-multi would write it to its --intermediate-dir)",
                at: name.location))
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw Self.failure(diagnostics) }

        var stageModels: [String: ModelDirectory] = [:]
        var stages: [PlannedStage] = []
        var failed = false
        for index in order[..<outputPosition] + order[(outputPosition + 1)...] + [output] {
            let recipe = recipes[index]
            // A stage whose inputs failed would only repeat their errors as missing models.
            guard graph.reads[index].allSatisfy({ stageModels[$0.value] != nil }) else { continue }
            let plan: MergePlan
            do {
                plan = try PlanBuilder(recipe: recipe, options: options, warnings: [], hubModels: hubModels, stageModels: stageModels).build()
            } catch {
                diagnostics += error.diagnostics
                failed = true
                continue
            }
            diagnostics += plan.warnings
            guard index != output, let name = recipe.name else {
                guard !failed else { break }
                var final = plan
                final.stages = stages
                final.warnings = Self.sorted(diagnostics)
                return final
            }
            do {
                stageModels[name.value] = try ModelDirectory(stage: name.value, plan: plan)
            } catch {
                diagnostics.append(.error("stage '\(name.value)': its tokenizer files cannot be made: \(error)", at: name.location))
                failed = true
                continue
            }
            if needed.contains(index) {
                stages.append(PlannedStage(name: name, plan: plan, reads: graph.reads[index].map(\.value)))
            }
        }
        throw Self.failure(diagnostics)
    }

    private static func failure(_ diagnostics: [Diagnostic]) -> RecipeError {
        RecipeError(sorted(diagnostics))
    }

    /// By position; diagnostics at one place keep their order.
    private static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
    }
}
