/// The output's README.md, as the Hugging Face Hub reads a merge's card: front matter with
/// `base_model:` (Hub ids only, see `HubModelID`; left out when no input has one),
/// `library_name: transformers` and `tags: [mergekit, merge]` (how the Hub files merges); then
/// the method with its paper, the models, and the recipe verbatim, so the merge can be
/// reproduced from the card alone.
enum ModelCard {
    static func text(for plan: MergePlan, title: String) -> String {
        let order = [plan.baseModelIndex].compactMap { $0 } + plan.models.indices.filter { $0 != plan.baseModelIndex }
        let ids = plan.models.map(HubModelID.of)
        var hubIDs: [String] = []
        for index in order {
            if let id = ids[index]?.id, !hubIDs.contains(id) { hubIDs.append(id) }
        }
        // A stage's models are inputs of the merge too.
        for model in plan.stages.flatMap(\.plan.models) where model.stage == nil {
            if let id = HubModelID.of(model)?.id, !hubIDs.contains(id) { hubIDs.append(id) }
        }
        var lines = ["---"]
        if !hubIDs.isEmpty {
            lines.append("base_model:")
            lines += hubIDs.map { "- " + yamlScalar($0) }
        }
        lines += ["library_name: transformers", "tags:", "- mergekit", "- merge", "---", "# \(title)", ""]
        lines.append("A merge of pre-trained language models, made with mergekit-swift from a mergekit recipe.")
        lines += ["", "## Method", ""]
        let method = plan.method
        let name = method.reference.map { "[`\(method.name)`](\($0))" } ?? "`\(method.name)`"
        lines.append("\(name): \(method.summary)")
        if let base = plan.baseModelIndex, [.required, .optional].contains(method.baseModel) {
            lines += ["", "Base model: \(reference(plan, base, ids[base]))\(stageText(plan, plan.models[base]))."]
        }
        lines += ["", "## Models", ""]
        for index in plan.models.indices where index != plan.baseModelIndex || ![.required, .optional].contains(method.baseModel) {
            lines.append("- " + reference(plan, index, ids[index]) + stageText(plan, plan.models[index]))
        }
        let recipe = plan.recipe.source.hasSuffix("\n") ? String(plan.recipe.source.dropLast()) : plan.recipe.source
        let fence = String(repeating: "`", count: max(3, longestBacktickRun(in: recipe) + 1))
        lines += ["", "## Recipe", "", "The recipe that made this model (`mergekit_config.yml`):", "", fence + "yaml", recipe, fence, ""]
        return lines.joined(separator: "\n")
    }

    /// A model as the recipe wrote it, linked to the Hub when that is where it came from.
    private static func reference(_ plan: MergePlan, _ index: Int, _ hub: (id: String, origin: HubModelID.Origin)?) -> String {
        let written = code(plan.modelNames[index])
        guard let hub, hub.origin == .cache else { return written }
        return "[\(hub.id)](https://huggingface.co/\(hub.id))" + (plan.modelNames[index].hasPrefix(hub.id) ? "" : " (\(written))")
    }

    /// ", a stage: ties of `a`, `b` (base `c`)" for a named stage of the recipe, else "".
    private static func stageText(_ plan: MergePlan, _ model: ModelDirectory) -> String {
        guard let name = model.stage, let stage = plan.stages.first(where: { $0.name.value == name }) else { return "" }
        let base = stage.plan.baseModelIndex
        let models = stage.plan.modelNames.indices.filter { $0 != base }.map { code(stage.plan.modelNames[$0]) }
        return ", a stage: \(stage.plan.method.name) of " + models.joined(separator: ", ")
            + (base.map { " (base \(code(stage.plan.modelNames[$0])))" } ?? "")
    }

    /// Inline code that survives backticks in the text (a longer fence, padded).
    private static func code(_ text: String) -> String {
        let fence = String(repeating: "`", count: longestBacktickRun(in: text) + 1)
        return text.contains("`") ? "\(fence) \(text) \(fence)" : "\(fence)\(text)\(fence)"
    }

    private static func longestBacktickRun(in text: String) -> Int {
        var longest = 0
        var run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }

    /// A valid Hub id is a safe plain YAML scalar when it has a `/`; a bare name (`gpt2`) could
    /// read as a number or a boolean, so it is quoted.
    private static func yamlScalar(_ id: String) -> String {
        id.contains("/") ? id : "\"\(id)\""
    }
}
