import Foundation
import MergeKitTestSupport
import Testing

/// `mergekit-swift moe` as a user runs it, on the MoE fixture models.
@Suite struct MoECommandTests {
    static let cases = CommandLineTool.repositoryRoot + "/Tests/MergeKitMoETests/Fixtures/cases"

    @Test func buildsAMixtralModel() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/moe"
        let result = try CommandLineTool.run(["moe", Self.cases + "/mixtral_cheap_embed/config.yaml", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote \(output): Mixtral, 3 experts × 2 layers, gate_mode cheap_embed, 21 tensors"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: output))
            == ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "README.md", "mergekit_moe_config.yml"])

        let again = try CommandLineTool.run(["moe", Self.cases + "/mixtral_cheap_embed/config.yaml", "-o", output])
        #expect(again.status == 64)
        #expect(again.stderr.contains("already exists; pass --force"))
        let forced = try CommandLineTool.run(["moe", Self.cases + "/mixtral_cheap_embed/config.yaml", "-o", output, "--force", "-q"])
        #expect(forced.status == 0 && forced.stdout.isEmpty)
    }

    @Test func configurationErrorsExit65WithTheirPosition() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path + "/bad.yaml"
        try """
            base_model: \(Self.cases)/../models/qwen2_base
            gate_mode: randum
            experts:
              - source_model: \(Self.cases)/../models/qwen2_ft_a
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try CommandLineTool.run(["moe", config, directory.path + "/out"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(config):2:12: error: unknown gate_mode 'randum'"))
        #expect(result.stderr.contains("did you mean 'random'?"))
        #expect(result.stderr.contains("gate_mode: randum\n           ^"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out.partial"))

        let missing = try CommandLineTool.run(["moe", config])
        #expect(missing.status == 64)
    }
}
