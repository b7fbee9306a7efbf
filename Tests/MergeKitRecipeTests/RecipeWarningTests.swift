import MergeKitRecipe
import Testing

/// Mistakes mergekit tolerates are warnings: the recipe still decodes.
@Suite("Recipe decoding: warnings")
struct RecipeWarningTests {
    static let cases: [DiagnosticCase] = [
        DiagnosticCase(
            id: "unknown keys in a module",
            yaml: """
                merge_method: linear
                modules:
                  default:
                    models: [a]
                    paramters: {weight: 1}
                """,
            expected: """
                recipe.yaml:5:5: warning: unknown key 'paramters' in module 'default'; did you mean 'parameters'?
                    paramters: {weight: 1}
                    ^
                """),
        DiagnosticCase(
            id: "unknown top-level keys, with a hint when one is close",
            yaml: "merge_method: linear\nbase_modle: ./a\nmodels: [a]\narchitecture: llama\n",
            expected: """
                recipe.yaml:2:1: warning: unknown key 'base_modle' in recipe; did you mean 'base_model'?
                base_modle: ./a
                ^
                recipe.yaml:4:1: warning: unknown key 'architecture' in recipe
                architecture: llama
                ^
                """),
        DiagnosticCase(
            id: "unknown keys in a slice, a slice source and a filter entry",
            yaml: """
                merge_method: slerp
                slices:
                  - sources:
                      - model: a
                        layer_rang: [0, 2]
                        paramters: {t: 0.5}
                    parameter: {t: 0.5}
                    residual_weight: 0.1
                models_extra: 1
                parameters:
                  t:
                    - filtre: mlp
                      value: 1
                    - value: 0
                """,
            expected: """
                recipe.yaml:5:9: warning: unknown key 'layer_rang' in slice source; did you mean 'layer_range'?
                        layer_rang: [0, 2]
                        ^
                recipe.yaml:6:9: warning: unknown key 'paramters' in slice source; did you mean 'parameters'?
                        paramters: {t: 0.5}
                        ^
                recipe.yaml:7:5: warning: unknown key 'parameter' in slice; did you mean 'parameters'?
                    parameter: {t: 0.5}
                    ^
                recipe.yaml:8:5: warning: residual_weight has no effect: mergekit 0.1.5 reads it and never uses it, and neither does mergekit-swift
                    residual_weight: 0.1
                    ^
                recipe.yaml:9:1: warning: unknown key 'models_extra' in recipe
                models_extra: 1
                ^
                recipe.yaml:12:7: warning: unknown key 'filtre' in filter entry; did you mean 'filter'?
                    - filtre: mlp
                      ^
                """),
        DiagnosticCase(
            id: "a parameter written directly in a model entry",
            yaml: "merge_method: linear\nmodels:\n  - model: a\n    weight: 0.5\n",
            expected: """
                recipe.yaml:4:5: warning: unknown key 'weight' in model entry
                    weight: 0.5
                    ^
                """),
        DiagnosticCase(
            id: "unknown keys in the tokenizer block and in token entries",
            yaml: """
                merge_method: linear
                models: [a]
                tokenizer:
                  source: union
                  tokens:
                    <pad>: {source: a, forse: true}
                  sorce: x
                """,
            expected: """
                recipe.yaml:6:24: warning: unknown key 'forse' in token '<pad>'; did you mean 'force'?
                    <pad>: {source: a, forse: true}
                                       ^
                recipe.yaml:7:3: warning: unknown key 'sorce' in tokenizer; did you mean 'source'?
                  sorce: x
                  ^
                """),
        DiagnosticCase(
            id: "duplicate keys: the last one wins, both places named",
            yaml: """
                merge_method: ties
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1, weight: 2}
                """,
            expected: """
                recipe.yaml:2:1: warning: duplicate key 'merge_method' overrides the one at line 1, column 1
                merge_method: linear
                ^
                recipe.yaml:5:29: warning: duplicate key 'weight' overrides the one at line 5, column 18
                    parameters: {weight: 1, weight: 2}
                                            ^
                """),
        DiagnosticCase(
            id: "warnings of every document, in order",
            yaml: "merge_method: a\nmodels: [x]\nfoo: 1\n---\nbar: 2\nmerge_method: b\nmodels: [y]\n",
            expected: """
                recipe.yaml:3:1: warning: unknown key 'foo' in recipe
                foo: 1
                ^
                recipe.yaml:5:1: warning: unknown key 'bar' in recipe
                bar: 2
                ^
                """),
    ]

    @Test(arguments: cases)
    func warning(_ testCase: DiagnosticCase) {
        let result = renderedDiagnostics(testCase.yaml)
        #expect(!result.threw)
        #expect(result.text == testCase.expected)
    }

    @Test func theLastDuplicateValueIsUsed() throws {
        let decoded = try RecipeDecoder.decode(
            "merge_method: ties\nmerge_method: linear\nmodels: [a]\n", file: "r.yaml")
        #expect(decoded.recipes.first?.mergeMethod.value == "linear")
        #expect(decoded.recipes.first?.mergeMethod.location.line == 2)
        #expect(decoded.warnings.map(\.severity) == [.warning])
    }

    @Test func aFilterEntryWithAMisspelledFilterMatchesEverything() throws {
        let decoded = try RecipeDecoder.decode(
            "merge_method: linear\nmodels: [a]\nparameters:\n  weight: [{filtre: mlp, value: 1}]\n",
            file: "r.yaml")
        guard case .filters(let entries, _)? = decoded.recipes.first?.parameters["weight"]?.value else {
            Issue.record("weight is not a filter list")
            return
        }
        #expect(entries.count == 1)
        #expect(entries.first?.filter == nil)
    }
}
