import Foundation

/// The bundled tiny model family (`Examples/tiny-llama`: base with tokenizer files, ft_a, ft_b)
/// copied into a test's directory with a quickstart-like recipe, so a test may damage or
/// rearrange its copy.
enum ExampleFamily {
    static let models = ["base", "ft_a", "ft_b"]

    /// Copies the models into `directory` and writes `recipe.yaml` naming them as `./base` etc.
    /// (or as `names` when given). Returns the recipe path.
    @discardableResult
    static func copy(into directory: String, names: [String: String] = [:]) throws -> String {
        for model in models {
            try FileManager.default.copyItem(
                atPath: CommandLineTool.repositoryRoot + "/Examples/tiny-llama/" + model,
                toPath: directory + "/" + (names[model] ?? model))
        }
        return try writeRecipe(in: directory, names: names)
    }

    /// Writes `recipe.yaml` in `directory` for models at the given relative paths.
    @discardableResult
    static func writeRecipe(in directory: String, names: [String: String] = [:], file: String = "recipe.yaml") throws -> String {
        let recipe = directory + "/" + file
        try """
            merge_method: dare_ties
            base_model: ./\(names["base"] ?? "base")
            models:
              - model: ./\(names["ft_a"] ?? "ft_a")
                parameters: {weight: 1.0, drop_rate: 0.9}
              - model: ./\(names["ft_b"] ?? "ft_b")
                parameters: {weight: 1.0, drop_rate: 0.9}
            seed: 42
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return recipe
    }

    /// Every file of a directory (relative names, sorted) with its bytes.
    static func contents(of directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return result
    }
}
