/// The output's README.md: Hugging Face front matter (so the Hub links the base and tags the
/// merge) and the recipe verbatim, so the merge can be reproduced from the card alone.
enum ModelCard {
    static func text(for plan: MergePlan, title: String) -> String {
        let base = plan.baseModelIndex.map { plan.modelNames[$0] }
        let merged = plan.modelNames.enumerated().filter { $0.offset != plan.baseModelIndex }.map(\.element)
        var lines = ["---"]
        lines.append("base_model:")
        for name in ([base].compactMap { $0 } + merged) { lines.append("- \(yamlQuoted(name))") }
        lines += ["library_name: transformers", "tags:", "- merge", "- mergekit-swift", "---", "# \(title)", ""]
        lines.append("This model is a merge of pre-trained language models, made with mergekit-swift.")
        lines += ["", "## Merge details", ""]
        var methodLine = "Merge method: `\(plan.method.name)`"
        if let reference = plan.method.reference { methodLine += " ([paper](\(reference)))" }
        if let base { methodLine += ", with `\(base)` as the base" }
        lines += [methodLine + ".", "", "Models merged:", ""]
        for name in merged { lines.append("* `\(name)`") }
        lines += ["", "## Recipe", "", "The following recipe produced this model:", "", "```yaml"]
        lines.append(plan.recipe.source.hasSuffix("\n") ? String(plan.recipe.source.dropLast()) : plan.recipe.source)
        lines += ["```", ""]
        return lines.joined(separator: "\n")
    }

    /// Model paths can hold YAML-significant characters; quote them.
    private static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
