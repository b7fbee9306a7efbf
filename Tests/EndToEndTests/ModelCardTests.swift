import Foundation
import MergeKitTestSupport
import Testing

/// README.md as the Hugging Face Hub reads a merge's card: `base_model:` with Hub ids only (from
/// the cache folder or config.json's `_name_or_path`, never a local path), `tags: [mergekit,
/// merge]`, `library_name: transformers`; the method with its paper, the models, the recipe.
@Suite struct ModelCardTests {
    static func card(_ directory: String) throws -> String {
        try String(contentsOfFile: directory + "/README.md", encoding: .utf8)
    }

    @Test func localModelsStayOutOfTheFrontMatter() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandLineTool.run(["apply", "Recipes/quickstart.yaml", directory.path + "/my-merge"])
        #expect(result.status == 0, "\(result.stderr)")
        let card = try Self.card(directory.path + "/my-merge")
        let recipe = try String(contentsOfFile: CommandLineTool.repositoryRoot + "/Recipes/quickstart.yaml", encoding: .utf8)
        #expect(card.hasPrefix("""
            ---
            library_name: transformers
            tags:
            - mergekit
            - merge
            ---
            # my-merge

            """))
        #expect(card.contains("[`dare_ties`](https://arxiv.org/abs/2311.03099): "))
        #expect(card.contains("Base model: `../Examples/tiny-llama/base`."))
        #expect(card.contains("## Models\n\n- `../Examples/tiny-llama/ft_a`\n- `../Examples/tiny-llama/ft_b`\n"))
        #expect(card.hasSuffix("```yaml\n" + recipe + "```\n"))
        let frontMatter = card.split(separator: "---\n", omittingEmptySubsequences: true).first ?? ""
        #expect(!frontMatter.contains("base_model"))
    }

    /// A model in the Hugging Face cache is its repository's id; `_name_or_path` gives the id of
    /// a local copy when it is one (not a path); the base comes first, duplicates once.
    @Test func hubIDsComeFromTheCacheAndTheConfig() throws {
        let directory = try TemporaryDirectory()
        try ExampleFamily.copy(into: directory.path)
        let snapshot = try SideFileTests.moveIntoCache(directory.path + "/base", repo: "tiny-base", hub: directory.path + "/hub")
        func setNameOrPath(_ model: String, _ value: String) throws {
            let config = directory.path + "/\(model)/config.json"
            let text = try String(contentsOfFile: config, encoding: .utf8)
            let opening = try #require(text.range(of: "{\n"))
            try text.replacingCharacters(in: opening, with: "{\n  \"_name_or_path\": \"\(value)\",\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
        }
        try setNameOrPath("ft_a", "someone/tiny-ft-a")
        try setNameOrPath("ft_b", "/home/someone/checkpoints/ft_b")
        try ExampleFamily.writeRecipe(in: directory.path, names: ["base": String(snapshot.dropFirst(directory.path.count + 1))])
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let card = try Self.card(directory.path + "/out")
        #expect(card.hasPrefix("---\nbase_model:\n- org/tiny-base\n- someone/tiny-ft-a\nlibrary_name: transformers\ntags:\n- mergekit\n- merge\n---\n"), "\(card)")
        #expect(card.contains("Base model: [org/tiny-base](https://huggingface.co/org/tiny-base) (`./hub/models--org--tiny-base/snapshots/0123456789abcdef`)."))
        #expect(card.contains("- `./ft_a`\n- `./ft_b`\n"))
        #expect(!card.contains("/home/someone"))
    }

    @Test func aRecipeHoldingBackticksKeepsItsFence() throws {
        let directory = try TemporaryDirectory()
        let recipe = try ExampleFamily.copy(into: directory.path)
        try (try String(contentsOfFile: recipe, encoding: .utf8) + "\n# ```bash\n# run it\n# ```\n").write(toFile: recipe, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["apply", "recipe.yaml", "out"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let card = try Self.card(directory.path + "/out")
        #expect(card.contains("````yaml\nmerge_method: dare_ties\n"))
        #expect(card.hasSuffix("# ```\n````\n"))
    }
}
