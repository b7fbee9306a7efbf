import Foundation
import MergeKitEngine
import MergeKitSafetensors
import MergeKitTestSupport
import Testing

@Suite struct PlannerTests {
    @Test func ordersEmbeddingsLayersThenFinalWeights() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("linear_norm"))
        let placements = plan.jobs.map(\.placement)
        #expect(placements.first == .beforeLayers)
        #expect(plan.jobs.first?.outputName == "model.embed_tokens.weight")
        #expect(Set(plan.jobs.suffix(2).map(\.outputName)) == ["model.norm.weight", "lm_head.weight"])
        let layers = placements.compactMap { placement -> Int? in
            if case .layer(let index) = placement { return index }
            return nil
        }
        #expect(layers == layers.sorted())
        #expect(Set(layers) == [0, 1, 2, 3])
        #expect(layers.count == 4 * 9)
        #expect(plan.outputLayerCount == 4)
    }

    @Test func shardLayoutIsContiguousAndNeverSplitsATensor() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("linear_norm"), options: PlanOptions(outShardSize: 100_000))
        #expect(plan.layout.shards.count > 1)
        var seen: [String] = []
        for (index, shard) in plan.layout.shards.enumerated() {
            #expect(shard.fileName == String(format: "model-%05d-of-%05d.safetensors", index + 1, plan.layout.shards.count))
            var offset = shard.headerBytes.count
            #expect(offset % 8 == 0)
            for placed in shard.tensors {
                #expect(placed.fileOffset == offset)
                offset += placed.byteCount
                seen.append(placed.spec.name)
            }
            #expect(offset == shard.fileSize)
            let data = shard.tensors.reduce(0) { $0 + $1.byteCount }
            #expect(data <= 100_000 || shard.tensors.count == 1)
        }
        #expect(seen == plan.jobs.map(\.outputName))
    }

    @Test func slicesRenumberLayers() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("passthrough_franken"))
        #expect(plan.outputLayerCount == 6)
        let job = try #require(plan.jobs.first { $0.outputName == "model.layers.3.mlp.up_proj.weight" })
        #expect(job.inputs.map(\.tensorName) == ["model.layers.1.mlp.up_proj.weight"])
        #expect(plan.modelNames[job.inputs[0].modelIndex] == "../models/ft_a")
        #expect(job.verbatimInput == 0)
        #expect(plan.outputConfig["num_hidden_layers"]?.intValue == 6)
        // Embeddings from the first slice's model, final weights from the last slice's.
        let embed = try #require(plan.jobs.first { $0.outputName == "model.embed_tokens.weight" })
        #expect(plan.modelNames[embed.inputs[0].modelIndex] == "../models/base")
        let head = try #require(plan.jobs.first { $0.outputName == "lm_head.weight" })
        #expect(plan.modelNames[head.inputs[0].modelIndex] == "../models/ft_a")
    }

    @Test func planReportListsLayersAndTotals() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("task_arithmetic"))
        let text = PlanReport(plan: plan, workers: 2).text
        #expect(text.contains("\nlayer 0\n"))
        #expect(text.contains("\nafter layers\n"))
        #expect(text.contains("model.layers.3.mlp.up_proj.weight F32 [128, 64]  ← ../models/ft_a, ../models/ft_b, ../models/ft_c, base ../models/base  weight=[0.5, 0.3, 0.2, -]  lambda=0.9  normalize=false"))
        #expect(text.contains("totals: read 2.6 MB, write 661.7 kB, 1 shard"))
        let json = PlanReport(plan: plan, workers: 2).json
        #expect(json["tensors"]?.arrayValue?.count == 39)
        #expect(json["totals"]?["shards"]?.intValue == 1)
    }
}
