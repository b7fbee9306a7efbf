/// The recipe each benchmarked method runs, written against a generated family (the fine-tunes
/// read from `fineTunes`: their safetensors folders or their .bin twins). Densities follow the
/// issue's mergekit measurements (0.5); slerp merges the base with the first fine-tune.
enum BenchRecipes {
    static let methods = ["linear", "task_arithmetic", "ties", "dare_ties", "dare_linear", "slerp", "della", "model_stock"]

    /// The recipe text and the models it reads.
    static func recipe(for method: String, base: String, fineTunes: [String]) -> (text: String, models: [String]) {
        let weight = 1.0 / Double(fineTunes.count)
        func list(_ parameters: String?) -> String {
            fineTunes.map { path in
                "  - model: \(path)\n" + (parameters.map { "    parameters: {\($0)}\n" } ?? "")
            }.joined()
        }
        switch method {
        case "linear":
            return ("merge_method: linear\nmodels:\n" + list("weight: \(weight)"), fineTunes)
        case "slerp":
            return ("merge_method: slerp\nbase_model: \(base)\nmodels:\n  - model: \(base)\n  - model: \(fineTunes[0])\nparameters:\n  t: 0.5\n",
                    [base, fineTunes[0]])
        case "model_stock":
            return ("merge_method: model_stock\nbase_model: \(base)\nmodels:\n" + list(nil), [base] + fineTunes)
        case "task_arithmetic":
            return ("merge_method: task_arithmetic\nbase_model: \(base)\nmodels:\n" + list("weight: \(weight)"), [base] + fineTunes)
        case "della":
            return ("merge_method: della\nbase_model: \(base)\nmodels:\n" + list("weight: \(weight), density: 0.5, epsilon: 0.1"),
                    [base] + fineTunes)
        default:
            return ("merge_method: \(method)\nbase_model: \(base)\nmodels:\n" + list("weight: \(weight), density: 0.5"),
                    [base] + fineTunes)
        }
    }
}
