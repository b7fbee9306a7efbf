import Foundation
import MergeKitEngine
import MergeKitMoE
import MergeKitTestSupport
import Testing

/// `noise_scale` adds seeded Gaussian noise to an expert's MLP weights and `residual_scale`
/// scales its down_proj, noise first (mergekit's noise_and_scale), from the documented stream of
/// the source tensor's name and the expert's position.
@Suite struct ExpertNoiseTests {
    @Test func noiseThenResidualScaleFollowTheDocumentedStream() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path + "/config.yaml"
        try """
            base_model: \(MoEFixtures.model("llama_base"))
            gate_mode: random
            experts:
              - source_model: \(MoEFixtures.model("llama_ft_a"))
              - source_model: \(MoEFixtures.model("llama_ft_b"))
                noise_scale: 0.01
                residual_scale: 0.5
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let plan = try MoEPlanner.plan(configAt: config, options: MoEPlanOptions(seed: 3))
        _ = try MoEBuilder(plan: plan, output: OutputDirectory(path: directory.path + "/out"), force: false).run()
        let output = try StoredTensors(file: directory.path + "/out/model.safetensors")
        let source = try TinyCheckpoint.readAll(MoEFixtures.model("llama_ft_b"))
        let downName = "model.layers.1.mlp.down_proj.weight"
        let down = try #require(source[downName])
        let fused = try #require(output["model.layers.1.mlp.experts.down_proj"])
        let stream = TensorSeedReference(seed: 3, name: downName, position: 1)
        let count = down.values.count
        for j in [0, 1, 17, count - 1] {
            let noisy = down.values[j] + Float(stream.normal(j) * 0.01)
            #expect(fused.values[count + j] == noisy * 0.5, "element \(j)")
        }
        let gateName = "model.layers.1.mlp.gate_proj.weight"
        let gate = try #require(source[gateName])
        let gateUp = try #require(output["model.layers.1.mlp.experts.gate_up_proj"])
        let gateStream = TensorSeedReference(seed: 3, name: gateName, position: 1)
        #expect(gateUp.values[2 * gate.values.count] == gate.values[0] + Float(gateStream.normal(0) * 0.01),
                "gate_proj gets noise, not the residual scale")
        let plain = try #require(TinyCheckpoint.readAll(MoEFixtures.model("llama_ft_a"))[downName])
        #expect(Array(fused.values[0..<count]) == plain.values, "the first expert is a plain copy")
    }
}
