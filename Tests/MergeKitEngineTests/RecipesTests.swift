import Foundation
import MergeKitEngine
import MergeKitTestSupport
import Testing

/// Every recipe in Recipes/ plans and runs on the bundled examples, and every method has one.
@Suite struct RecipesTests {
    static let recipeDirectory = FixturePaths.repositoryRoot + "/Recipes"
    static let recipes: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: recipeDirectory)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    @Test func recipesExist() {
        #expect(Self.recipes.contains("quickstart.yaml"))
    }

    @Test(arguments: recipes)
    func runs(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let plan = try Planner.plan(recipeAt: Self.recipeDirectory + "/" + name)
        #expect(plan.warnings.isEmpty, "\(name) has warnings: \(plan.warnings)")
        let output = try MergeHarness.merge(recipe: Self.recipeDirectory + "/" + name, into: directory)
        let tensors = try TinyCheckpoint.readAll(output)
        #expect(tensors.count == plan.jobs.count)
        #expect(tensors.values.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        for file in ["config.json", "README.md", "mergekit_config.yml"] {
            #expect(FileManager.default.fileExists(atPath: output + "/" + file), "\(file)")
        }
    }

    @Test func everyMethodHasARecipe() throws {
        let methods = try Self.recipes.map { name -> String in
            try Planner.plan(recipeAt: Self.recipeDirectory + "/" + name).method.name
        }
        for method in MergeMethodRegistry.names {
            #expect(methods.contains(method), "no recipe in Recipes/ uses \(method)")
        }
    }
}
