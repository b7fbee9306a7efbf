import Foundation
import MergeKitCheckpoint
import MergeKitEngine
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

/// A Hub model handed to the planner by its headers (`HubModels`): it plans and checks like a
/// local one, the plan says which of its files the merge reads, and the plan is not run until
/// those files are there.
@Suite struct HeaderOnlyModelTests {
    let root: TemporaryDirectory
    let reference: HubModelReference
    let recipe: String

    init() throws {
        root = try TemporaryDirectory()
        let config = TinyCheckpoint.llamaConfig(layers: 2, hidden: 8, intermediate: 16, vocab: 32, dtype: .f32)
        for (name, seed) in [("local", UInt64(1)), ("published", 2)] {
            let tensors = TinyCheckpoint.llama(layers: 2, hidden: 8, intermediate: 16, vocab: 32, dtype: .f32, seed: seed)
            try TinyCheckpoint.write(tensors, to: root.file(name), config: config, shards: 3)
        }
        reference = try HubModelReference.parse("org/published")
        recipe = root.file("recipe.yaml")
        try """
            merge_method: linear
            models:
              - model: ./local
                parameters: {weight: 1.0}
              - model: org/published
                parameters: {weight: 1.0}
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
    }

    /// `published` as read remotely: config, index and headers, its files under `folder` or not.
    func describedModel(in folder: String) throws -> HubModel {
        let source = root.file("published")
        let index = try CheckpointIndex.load(path: source + "/model.safetensors.index.json")
        let shards = try index.shardFiles.map { file in
            CheckpointWeights.ShardHeader(file: file, header: try SafetensorsFile(path: source + "/" + file).header)
        }
        let config = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: source + "/config.json")))
        return HubModel(folder: folder, contents: .headers(config: config, index: index, shards: shards))
    }

    @Test func plansFromHeadersAndRunsOnlyOnceTheFilesAreThere() throws {
        let remote = try describedModel(in: root.file("snapshot"))
        let plan = try Planner.plan(recipeAt: recipe, hubModels: HubModels([reference: .success(remote)]))
        #expect(plan.modelNames == ["./local", "org/published"])
        #expect(plan.models[1].weights.weightFiles.allSatisfy { !$0.isMapped })
        let index = try CheckpointIndex.load(path: root.file("published/model.safetensors.index.json"))
        #expect(plan.fileNotDownloaded == root.file("snapshot") + "/" + index.shardFiles[0])
        #expect(plan.filesRead(fromModel: 1) == ["config.json", "model.safetensors.index.json"] + index.shardFiles)
        let runner = MergeRunner(plan: plan, output: OutputDirectory(path: root.file("out")), force: false, threads: 1)
        #expect {
            try runner.run(progress: nil)
        } throws: { error in
            (error as? CheckpointError)?.description.contains("is known by its header only") == true
        }
        #expect(!FileManager.default.fileExists(atPath: root.file("out.partial")), "refused before any work")

        try FileManager.default.copyItem(atPath: root.file("published"), toPath: root.file("snapshot"))
        let downloaded = try describedModel(in: root.file("snapshot"))
        let runnable = try Planner.plan(recipeAt: recipe, hubModels: HubModels([reference: .success(downloaded)]))
        #expect(runnable.models[1].weights.weightFiles.allSatisfy { $0.isMapped })
        #expect(runnable.fileNotDownloaded == nil)
        try MergeRunner(plan: runnable, output: OutputDirectory(path: root.file("out")), force: false, threads: 1).run(progress: nil)
        #expect(FileManager.default.fileExists(atPath: root.file("out/config.json")))
    }

    /// A Hub model the caller could not bring in, or did not bring in at all, is an error at its
    /// place in the recipe, with the local models still checked.
    @Test func unavailableHubModelsAreReportedWhereTheRecipeNamesThem() throws {
        for (models, message) in [
            (HubModels([reference: .failure(HubModelUnavailable("repository 'org/published' was not found on the Hub"))]),
             "model 'org/published': repository 'org/published' was not found on the Hub"),
            (HubModels(), "model 'org/published': it names a Hugging Face Hub model, which is not brought in here"),
        ] {
            #expect {
                _ = try Planner.plan(recipeAt: recipe, hubModels: models)
            } throws: { error in
                guard let diagnostics = (error as? RecipeError)?.diagnostics, diagnostics.count == 1 else { return false }
                return diagnostics[0].message.hasPrefix(message) && diagnostics[0].location.line == 5
            }
        }
    }
}
