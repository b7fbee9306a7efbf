import Foundation
import MergeKitMoE
import MergeKitRecipe
import MergeKitTestSupport
import Testing

/// Configuration problems are reported at their line and column, all together, before any
/// weight is read.
@Suite struct MoEPlannerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var id: String
        var yaml: String
        /// "line:column: severity: message" prefixes expected among the diagnostics.
        var expected: [String]
        var testDescription: String { id }
    }

    static func model(_ name: String) -> String { MoEFixtures.model(name) }

    static let cases = [
        Case(id: "unknown gate mode and key", yaml: """
            base_model: \(model("llama_base"))
            gate_mode: cheap_embedding
            tokenizer_source: base
            experts:
              - source_model: \(model("llama_ft_a"))
                positive_prompts: ["code"]
                positve_prompts: ["typo"]
              - source_model: \(model("llama_ft_b"))
                positive_prompts: ["math"]
            """, expected: [
                "2:12: error: unknown gate_mode 'cheap_embedding' (expected one of hidden, hidden_last, hidden_avg, cheap_embed, random, uniform_random); did you mean 'cheap_embed'?",
                "3:1: warning: unknown key 'tokenizer_source' in the configuration (ignored); mergekit-moe ignores it too",
                "7:5: warning: unknown key 'positve_prompts' in an expert (ignored); did you mean 'positive_prompts'?",
            ]),
        Case(id: "experts per token and prompts", yaml: """
            base_model: \(model("llama_base"))
            experts_per_token: 3
            experts:
              - source_model: \(model("llama_ft_a"))
              - source_model: \(model("llama_ft_b"))
                positive_prompts: ["math"]
            """, expected: [
                "2:20: error: experts_per_token is 3 but there are only 2 experts",
                "4:5: error: expert 0 has no positive_prompts; gate_mode hidden computes its gate from them",
            ]),
        Case(id: "missing key", yaml: """
            base_model: \(model("llama_base"))
            gate_mode: random
            experts:
              - source_model: \(model("llama_ft_a"))
              - {positive_prompts: ["x"]}
            """, expected: ["5:5: error: missing required key 'source_model'"]),
        Case(id: "missing models", yaml: """
            base_model: ./nowhere
            gate_mode: random
            experts:
              - source_model: \(model("llama_ft_a"))
              - source_model: ./gone
            """, expected: [
                "1:13: error: model directory './nowhere' does not exist",
                "5:19: error: model directory './gone' does not exist",
            ]),
        Case(id: "no architecture for qwen2 without a shared expert", yaml: """
            base_model: \(model("qwen2_base"))
            gate_mode: random
            experts:
              - source_model: \(model("qwen2_ft_a"))
              - source_model: \(model("qwen2_ft_b"))
            """, expected: [
                "1:13: error: no output architecture can hold this configuration: Mixtral needs llama or mistral models (found qwen2); DeepSeek MoE needs llama or mistral models (found qwen2); Qwen MoE needs exactly one shared expert (found 0); Qwen3 MoE needs qwen3 models (found qwen2)",
            ]),
        Case(id: "deepseek is refused", yaml: """
            base_model: \(model("llama_base"))
            gate_mode: random
            experts:
              - source_model: \(model("llama_ft_a"))
              - source_model: \(model("llama_ft_b"))
            shared_experts:
              - source_model: \(model("llama_ft_c"))
            """, expected: [
                "7:3: error: this configuration makes a DeepSeek MoE, whose model code is not part of transformers",
            ]),
        Case(id: "unknown architecture", yaml: """
            base_model: \(model("llama_base"))
            gate_mode: random
            architecture: gemma
            experts:
              - source_model: \(model("llama_ft_a"))
              - source_model: \(model("llama_ft_b"))
            """, expected: ["3:15: error: no output architecture is called 'gemma'"]),
        Case(id: "identical experts", yaml: """
            base_model: \(model("llama_base"))
            experts:
              - source_model: \(model("llama_ft_a"))
                positive_prompts: ["code"]
              - source_model: \(model("llama_ft_a"))
                positive_prompts: ["code"]
            """, expected: [
                "3:3: error: every expert has the same positive and negative prompts",
                "3:3: error: every expert is the same model",
            ]),
        Case(id: "an expert of another shape", yaml: """
            base_model: \(model("llama_base"))
            gate_mode: random
            experts:
              - source_model: \(model("llama_ft_a"))
              - source_model: \(model("qwen3_ft_a"))
            """, expected: ["1:13: error: no output architecture can hold this configuration: Mixtral needs every model to be of one model_type (found llama, qwen3)"]),
    ]

    @Test(arguments: cases) func reportsProblemsWhereTheyAre(_ c: Case) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/config.yaml"
        try c.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let (planned, diagnostics) = Self.diagnostics(of: path)
        let rendered = diagnostics.map { "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)" }
        for expected in c.expected {
            #expect(rendered.contains { $0.hasPrefix(expected) }, "\(expected)\nin \(rendered)")
        }
        #expect(planned == !c.expected.contains { $0.contains("error:") })
        #expect(diagnostics.allSatisfy { $0.location.file == path })
    }

    /// Whether the configuration planned, and its diagnostics (warnings or errors).
    static func diagnostics(of path: String) -> (Bool, [Diagnostic]) {
        switch Result(catching: { () throws(RecipeError) in try MoEPlanner.plan(configAt: path, options: MoEPlanOptions()) }) {
        case .success(let plan): return (true, plan.warnings)
        case .failure(let error): return (false, error.diagnostics)
        }
    }

    @Test func missingExpertTensorsAreReportedAtTheExpert() throws {
        let directory = try TemporaryDirectory()
        let broken = directory.path + "/broken"
        var tensors = try TinyCheckpoint.readAll(Self.model("llama_ft_b"))
        tensors["model.layers.1.mlp.up_proj.weight"] = nil
        try TinyCheckpoint.write(Array(tensors.values), to: broken,
                                 config: String(contentsOfFile: Self.model("llama_ft_b") + "/config.json", encoding: .utf8))
        let path = directory.path + "/config.yaml"
        try """
            base_model: \(Self.model("llama_base"))
            gate_mode: random
            experts:
              - source_model: \(Self.model("llama_ft_a"))
              - source_model: \(broken)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try MoEPlanner.plan(configAt: path, options: MoEPlanOptions())
        } throws: { error in
            guard let diagnostics = (error as? RecipeError)?.diagnostics, diagnostics.count == 1 else { return false }
            return diagnostics[0].location.line == 5 && diagnostics[0].location.column == 19
                && diagnostics[0].message.contains("has no tensor 'model.layers.1.mlp.up_proj.weight'")
        }
    }

    @Test func strictTurnsWarningsIntoErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/config.yaml"
        try """
            base_model: \(Self.model("llama_base"))
            gate_mode: random
            tokenizer_source: base
            experts:
              - source_model: \(Self.model("llama_ft_a"))
              - source_model: \(Self.model("llama_ft_b"))
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RecipeError.self) { try MoEPlanner.plan(configAt: path, options: MoEPlanOptions(strict: true)) }
        #expect(try MoEPlanner.plan(configAt: path, options: MoEPlanOptions()).warnings.count == 1)
    }

    @Test func gatePromptsNeedASupportedTokenizer() throws {
        let directory = try TemporaryDirectory()
        let base = directory.path + "/base"
        try FileManager.default.copyItem(atPath: Self.model("llama_base"), toPath: base)
        try #"{"tokenizer_class": "T5Tokenizer"}"#.write(toFile: base + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        let path = directory.path + "/config.yaml"
        try """
            base_model: \(base)
            gate_mode: cheap_embed
            experts:
              - source_model: \(Self.model("llama_ft_a"))
                positive_prompts: ["code"]
              - source_model: \(Self.model("llama_ft_b"))
                positive_prompts: ["math"]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try MoEPlanner.plan(configAt: path, options: MoEPlanOptions())
        } throws: { error in
            guard let diagnostic = (error as? RecipeError)?.diagnostics.first else { return false }
            return diagnostic.location.line == 2
                && diagnostic.message.contains("tokenizer_class 'T5Tokenizer' is not supported by the prompt encoder")
        }
    }
}

extension MoEPlannerTests {
    @Test func hiddenGatesRefuseModelsTheForwardPassDoesNotImplement() throws {
        let directory = try TemporaryDirectory()
        let base = directory.path + "/base"
        try FileManager.default.copyItem(atPath: Self.model("llama_base"), toPath: base)
        let config = try String(contentsOfFile: base + "/config.json", encoding: .utf8)
            .replacingOccurrences(of: "\"rope_type\": \"default\"", with: "\"rope_type\": \"yarn\"")
        try config.write(toFile: base + "/config.json", atomically: true, encoding: .utf8)
        let path = directory.path + "/config.yaml"
        try """
            base_model: \(base)
            gate_mode: hidden
            experts:
              - source_model: \(Self.model("llama_ft_a"))
                positive_prompts: ["code"]
              - source_model: \(Self.model("llama_ft_b"))
                positive_prompts: ["math"]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (planned, diagnostics) = Self.diagnostics(of: path)
        #expect(!planned)
        #expect(diagnostics.map(\.message) == [
            "gate_mode hidden runs the base model, and its rope type 'yarn' is not implemented (default, linear and llama3 are); use gate_mode: cheap_embed or random",
        ])
        #expect(diagnostics.first?.location.line == 2)
    }
}
