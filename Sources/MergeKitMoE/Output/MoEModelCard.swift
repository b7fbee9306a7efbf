/// The output's `README.md`: Hugging Face front matter (the base and expert models, tags) and the
/// configuration it was built from.
enum MoEModelCard {
    static func text(for plan: MoEPlan, title: String) -> String {
        var models = [plan.config.baseModel.value]
        for expert in plan.config.experts + plan.config.sharedExperts where !models.contains(expert.sourceModel.value) {
            models.append(expert.sourceModel.value)
        }
        let shared = plan.config.sharedExperts.isEmpty ? "" : " and \(plan.config.sharedExperts.count) shared expert\(plan.config.sharedExperts.count == 1 ? "" : "s")"
        return """
            ---
            base_model:
            \(models.map { "- " + quoted($0) }.joined(separator: "\n"))
            library_name: transformers
            tags:
            - mergekit
            - mergekit-swift
            - moe
            ---
            # \(title)

            A \(plan.architecture.rawValue) mixture of experts built with mergekit-swift `moe`: attention, norms and \
            embeddings from `\(plan.config.baseModel.value)`, \(plan.config.experts.count) experts\(shared) from the MLPs of the \
            models below, \(plan.config.expertsPerToken.value) experts per token, gates from `gate_mode: \(plan.config.gateMode.value.rawValue)`.

            ## Configuration

            ```yaml
            \(plan.config.source.hasSuffix("\n") ? String(plan.config.source.dropLast()) : plan.config.source)
            ```

            """
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
