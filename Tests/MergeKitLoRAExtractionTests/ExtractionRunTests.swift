import Foundation
import MergeKitEngine
import MergeKitLoRAExtraction
import MergeKitTestSupport
import Testing

@Suite struct ExtractionRunTests {
    func extract(threads: Int, configure: (inout ExtractionOptions) -> Void = { _ in }) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        var options = ExtractionOptions(
            model: LoRAFixtures.model("llama_ft_bf16"), baseModel: LoRAFixtures.model("llama_base_bf16"),
            outputPath: directory.path + "/adapter")
        options.maxRank = 6
        options.threads = threads
        configure(&options)
        _ = try LoRAExtractor(plan: try ExtractionPlan.make(options), invocation: "test").run()
        return (directory, options.outputPath)
    }

    @Test func outputBytesDoNotDependOnTheWorkerCount() throws {
        let (one, single) = try extract(threads: 1)
        let (three, several) = try extract(threads: 3)
        for file in ["adapter_model.safetensors", "adapter_config.json"] {
            #expect(FileManager.default.contents(atPath: single + "/" + file) == FileManager.default.contents(atPath: several + "/" + file))
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: one.path)) == ["adapter"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: single)) == ["adapter_model.safetensors", "adapter_config.json", "README.md"])
        _ = three
    }

    @Test func distributedScaleSplitsEachSingularValueEvenly() throws {
        let (directory, output) = try extract(threads: 2)
        let (other, undistributed) = try extract(threads: 2) { $0.distributeScale = false }
        let even = try StoredTensors(file: output + "/adapter_model.safetensors")
        let lopsided = try StoredTensors(file: undistributed + "/adapter_model.safetensors")
        let prefix = "base_model.model.model.layers.0.mlp.up_proj"
        let a = try #require(even[prefix + ".lora_A.weight"])
        let b = try #require(even[prefix + ".lora_B.weight"])
        let plainB = try #require(lopsided[prefix + ".lora_B.weight"])
        let (m, r, n) = (b.shape[0], a.shape[0], a.shape[1])
        for k in 0..<r {
            let rowA = norm((0..<n).map { Double(a.values[k * n + $0]) })
            let columnB = norm((0..<m).map { Double(b.values[$0 * r + k]) })
            let unitB = norm((0..<m).map { Double(plainB.values[$0 * r + k]) })
            #expect(abs(rowA - columnB) <= 0.01 * rowA, "√σ in both factors")
            #expect(abs(unitB - 1) <= 0.01, "U's columns are unit vectors without distribution")
        }
        _ = (directory, other)
    }

    @Test func anEpsilonAboveEverySingularValueLeavesNothingToWrite() throws {
        let directory = try TemporaryDirectory()
        var options = ExtractionOptions(
            model: LoRAFixtures.model("qwen_ft"), baseModel: LoRAFixtures.model("qwen_base"), outputPath: directory.path + "/adapter")
        options.singularValueEpsilon = 1e6
        let plan = try ExtractionPlan.make(options)
        #expect(throws: ExtractionError.self) { try LoRAExtractor(plan: plan, invocation: "test").run() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "the partial output is removed")
    }

    /// A signal stops the extraction between modules; it cannot resume, so its work directory
    /// is removed and nothing is published.
    @Test func anInterruptedExtractionRemovesItsWorkDirectory() throws {
        let directory = try TemporaryDirectory()
        let options = ExtractionOptions(
            model: LoRAFixtures.model("qwen_ft"), baseModel: LoRAFixtures.model("qwen_base"), outputPath: directory.path + "/adapter")
        let interrupt = InterruptFlag()
        interrupt.raise(SIGTERM)
        let extractor = LoRAExtractor(plan: try ExtractionPlan.make(options), invocation: "test", interrupt: interrupt)
        #expect {
            _ = try extractor.run()
        } throws: { error in
            (error as? ExtractionStopped)?.signal == SIGTERM
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "no output, work directory or lock left")
    }

    @Test func anExistingOutputIsRefusedWithoutForce() throws {
        let (directory, output) = try extract(threads: 1)
        #expect(throws: (any Error).self) { _ = try extract(threads: 1) { $0.outputPath = output } }
        _ = try extract(threads: 1) {
            $0.outputPath = output
            $0.force = true
        }
        #expect(FileManager.default.fileExists(atPath: output + "/adapter_model.safetensors"))
        _ = directory
    }
}
