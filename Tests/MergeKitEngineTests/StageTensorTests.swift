import MergeKitCheckpoint
@testable import MergeKitEngine
import Testing

/// A stage's tensor in memory only while a later job needs it: computed when its first
/// consumer starts, the same bytes for every consumer, dropped after the last one.
@Suite struct StageTensorTests {
    static func stageInputs(of job: TensorJob) -> [StageTensor] {
        job.inputs.compactMap { $0.source as? StageTensor }
    }

    @Test func aStageTensorLivesFromItsFirstToItsLastConsumer() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("stages/two_stages_slerp"))
        #expect(plan.stages.map(\.name.value) == ["mix_ab", "mix_bc"])
        let job = try #require(plan.jobs.first { $0.outputName == "model.layers.1.mlp.up_proj.weight" })
        let inputs = Self.stageInputs(of: job)
        #expect(inputs.map(\.stage) == ["mix_ab", "mix_bc"])
        // Two consumers, as when two output tensors read one stage tensor.
        #expect(inputs.allSatisfy { $0.withStoredBytes { _ in () } == nil }, "nothing is computed at plan time")
        StageTensor.reserveInputs(of: [job, job])
        let runner = StageJobRunner(blockElements: plan.chunkElements, mapChunkElements: 4096, nonFinite: NonFiniteInputs(strict: false))
        try StageTensor.materializeInputs(of: job, with: runner)
        let bytes = inputs.map { $0.withStoredBytes { Array($0) } }
        #expect(bytes.allSatisfy { $0?.count == 128 * 64 * 4 })
        StageTensor.finishedUsing(inputsOf: job)
        #expect(inputs.allSatisfy { $0.withStoredBytes { _ in () } != nil }, "a consumer is still to run")
        try StageTensor.materializeInputs(of: job, with: runner)
        #expect(inputs.map { $0.withStoredBytes { Array($0) } } == bytes, "computed once, the same bytes for each consumer")
        StageTensor.finishedUsing(inputsOf: job)
        #expect(inputs.allSatisfy { $0.withStoredBytes { _ in () } == nil }, "dropped after the last consumer")
        #expect(throws: StageError.self) { try StageTensor.materializeInputs(of: job, with: runner) }
    }
}
