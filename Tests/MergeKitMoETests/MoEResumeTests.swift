import Foundation
import MergeKitEngine
import MergeKitMoE
import MergeKitTestSupport
import Testing

/// A build stopped by a signal keeps its finished tensors; `resume` writes only the rest, and
/// the result is the same bytes as an uninterrupted build.
@Suite struct MoEResumeTests {
    @Test func anInterruptedBuildResumesToTheSameBytes() throws {
        let directory = try TemporaryDirectory()
        let config = MoEFixtures.golden("mixtral_cheap_embed") + "/config.yaml"
        let plan = try MoEPlanner.plan(configAt: config, options: MoEPlanOptions(seed: 1))
        let output = OutputDirectory(path: directory.path + "/out")
        let interrupt = InterruptFlag()
        let builder = MoEBuilder(plan: plan, output: output, force: false, interrupt: interrupt)
        #expect {
            _ = try builder.run { done, _ in if done == 6 { interrupt.raise(SIGINT) } }
        } throws: { error in
            guard let interrupted = error as? MergeInterrupted else { return false }
            return interrupted.signal == SIGINT && interrupted.finishedTensors == 6 && interrupted.totalTensors == plan.tensors.count
        }
        #expect(FileManager.default.fileExists(atPath: output.partialPath + "/.mergekit-journal"))
        #expect(throws: OutputError.self) { try MoEBuilder(plan: plan, output: output, force: false).checkOutput() }

        let resumed = try MoEBuilder(plan: plan, output: output, force: false, resume: true).run()
        #expect(resumed.resumedTensors == 6)
        let clean = OutputDirectory(path: directory.path + "/clean")
        _ = try MoEBuilder(plan: plan, output: clean, force: false).run()
        for file in ["model.safetensors", "config.json", "mergekit_moe_config.yml"] {
            #expect(FileManager.default.contents(atPath: output.path + "/" + file) == FileManager.default.contents(atPath: clean.path + "/" + file))
        }
        #expect(!FileManager.default.fileExists(atPath: output.partialPath))
    }
}
