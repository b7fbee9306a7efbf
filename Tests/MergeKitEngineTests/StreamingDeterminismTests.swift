import Foundation
import MergeKitEngine
import MergeKitTestSupport
import Testing

/// The output bytes depend on the recipe and the inputs only: not on the thread count, nor on
/// the memory budget (which sizes the map-pass chunks, from one row to whole tensors).
@Suite struct StreamingDeterminismTests {
    /// Every conformance recipe and every canonical recipe that plans (some fixtures exist to
    /// fail planning): together they use every method.
    static let recipes: [String] = {
        let fileManager = FileManager.default
        let cases = ((try? fileManager.contentsOfDirectory(atPath: FixturePaths.conformance)) ?? [])
            .map { FixturePaths.recipe($0) }
            .filter { fileManager.fileExists(atPath: $0) }
        let canonical = ((try? fileManager.contentsOfDirectory(atPath: FixturePaths.repositoryRoot + "/Recipes")) ?? [])
            .filter { $0.hasSuffix(".yaml") }
            .map { FixturePaths.repositoryRoot + "/Recipes/" + $0 }
        return (cases + canonical).filter { (try? Planner.plan(recipeAt: $0)) != nil }.sorted()
    }()

    /// (threads, memory budget): whole tensors per chunk on one thread, one row per chunk on
    /// two, a few rows per chunk on three.
    static let variants: [(threads: Int, budget: Int)] = [(1, 1 << 30), (2, 1), (3, 40_000)]

    @Test func everyRegisteredMethodIsCovered() throws {
        let used = Set(try Self.recipes.map { path in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let line = text.split(separator: "\n").first { $0.hasPrefix("merge_method:") } ?? ""
            return line.dropFirst("merge_method:".count).trimmingCharacters(in: .whitespaces)
        })
        #expect(Set(MergeMethodRegistry.names).subtracting(used).isEmpty,
                "methods without a recipe here: \(Set(MergeMethodRegistry.names).subtracting(used).sorted())")
    }

    @Test(arguments: recipes)
    func sameBytesWhateverTheThreadsAndBudget(recipe: String) throws {
        let directory = try TemporaryDirectory()
        var outputs: [[String: Data]] = []
        for (index, variant) in Self.variants.enumerated() {
            let plan = try Planner.plan(recipeAt: recipe, options: PlanOptions(memoryBudget: variant.budget))
            let output = directory.path + "/out\(index)"
            try MergeRunner(plan: plan, output: OutputDirectory(path: output), force: false, threads: variant.threads)
                .run(progress: nil)
            outputs.append(try Self.tensorFiles(in: output))
        }
        #expect(!outputs[0].isEmpty)
        for (index, output) in outputs.enumerated().dropFirst() {
            #expect(output == outputs[0], "\(recipe): threads \(Self.variants[index].threads), budget \(Self.variants[index].budget) B")
        }
    }

    @Test func theBudgetSizesTheMapChunksAndBoundsTheWorkers() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("ties"))
        let roomy = plan.executionBudget(threads: 2)
        #expect(roomy.workers == 2)
        #expect(roomy.estimatedBytes <= PlanOptions.defaultMemoryBudget)
        var tight = plan
        tight.memoryBudget = 1
        let starved = tight.executionBudget(threads: 4)
        #expect(starved.workers == 1, "a budget below one row per worker runs one worker")
        #expect(starved.mapChunkElements == 1, "and one row per chunk")
        #expect(starved.blockElements == roomy.blockElements, "the reduction blocks never depend on the budget")
    }

    private static func tensorFiles(in directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.contains("safetensors") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }
}
