import MergeKitCheckpoint
@testable import MergeKitEngine
import Testing

/// A stage's tensor is streamed through the stage's kernel while a later job needs it: prepared
/// when its first consumer starts, the same values whatever ranges a consumer reads, dropped
/// after the last consumer.
@Suite struct StageTensorTests {
    static func stageInputs(of job: TensorJob) -> [StageTensor] {
        job.inputs.compactMap { $0.source as? StageTensor }
    }

    static func decode(_ tensor: StageTensor, rowsPerRead: Int) -> [Float] {
        let row = tensor.shape.last ?? 1
        var values = [Float](repeating: .nan, count: tensor.elementCount)
        values.withUnsafeMutableBufferPointer { all in
            for start in stride(from: 0, to: tensor.elementCount, by: rowsPerRead * row) {
                let range = start..<min(start + rowsPerRead * row, tensor.elementCount)
                tensor.decode(range, into: UnsafeMutableBufferPointer(rebasing: all[range]))
            }
        }
        return values
    }

    @Test func aStageTensorLivesFromItsFirstToItsLastConsumer() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("stages/two_stages_slerp"))
        #expect(plan.stages.map(\.name.value) == ["mix_ab", "mix_bc"])
        let job = try #require(plan.jobs.first { $0.outputName == "model.layers.1.mlp.up_proj.weight" })
        let inputs = Self.stageInputs(of: job)
        #expect(inputs.map(\.stage) == ["mix_ab", "mix_bc"])
        #expect(inputs.allSatisfy { !$0.hasStoredBytes && $0.withStoredBytes { _ in () } == nil })
        // Two consumers, as when two output tensors read one stage tensor.
        StageTensor.reserveInputs(of: [job, job])
        let preparer = StagePreparer(blockElements: plan.chunkElements, nonFinite: NonFiniteInputs(strict: false))
        try StageTensor.materializeInputs(of: job, with: preparer)
        let whole = inputs.map { Self.decode($0, rowsPerRead: 128) }
        #expect(whole.allSatisfy { $0.count == 128 * 64 && $0.allSatisfy(\.isFinite) && $0.contains { $0 != 0 } })
        #expect(inputs.map { Self.decode($0, rowsPerRead: 3) } == whole, "the same values however the ranges fall")
        StageTensor.finishedUsing(inputsOf: job)
        try StageTensor.materializeInputs(of: job, with: preparer)
        #expect(inputs.map { Self.decode($0, rowsPerRead: 128) } == whole, "a consumer is still to run: prepared once")
        StageTensor.finishedUsing(inputsOf: job)
        #expect(inputs.allSatisfy { Self.decode($0, rowsPerRead: 128).allSatisfy { $0 == 0 } }, "dropped after the last consumer")
        #expect(throws: StageError.self) { try StageTensor.materializeInputs(of: job, with: preparer) }
    }

    /// A bf16 stage's values are bf16 values (rounded as written), though computed in float32.
    @Test func aStageReadsAsItsOutputDType() throws {
        let plan = try Planner.plan(recipeAt: FixturePaths.recipe("stages/bf16_stage"))
        let job = try #require(plan.jobs.first { $0.outputName == "model.embed_tokens.weight" })
        let stage = try #require(Self.stageInputs(of: job).first)
        #expect(stage.dtype == .bf16)
        StageTensor.reserveInputs(of: [job])
        try StageTensor.materializeInputs(of: job, with: StagePreparer(blockElements: plan.chunkElements, nonFinite: NonFiniteInputs(strict: false)))
        let values = Self.decode(stage, rowsPerRead: 16)
        #expect(values.allSatisfy { $0.bitPattern & 0xFFFF == 0 })
        StageTensor.finishedUsing(inputsOf: job)
    }
}
