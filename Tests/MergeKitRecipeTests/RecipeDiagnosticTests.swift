import MergeKitRecipe
import Testing

struct DiagnosticCase: CustomTestStringConvertible, Sendable {
    let id: String
    let yaml: String
    /// Every diagnostic, rendered with the source line and caret.
    let expected: String
    var testDescription: String { id }
}

/// Decodes and renders what the user would see: errors (with any warnings) when decoding throws,
/// otherwise the warnings. `threw` says which.
func renderedDiagnostics(_ yaml: String, file: String = "recipe.yaml") -> (threw: Bool, text: String) {
    let renderer = DiagnosticRenderer(sources: [file: yaml])
    do {
        let decoded = try RecipeDecoder.decode(yaml, file: file)
        return (false, renderer.render(decoded.warnings))
    } catch {
        return (true, renderer.render(error.diagnostics))
    }
}

@Suite("Recipe decoding: errors")
struct RecipeErrorTests {
    static let cases: [DiagnosticCase] = [
        DiagnosticCase(
            id: "empty stream",
            yaml: "",
            expected: "recipe.yaml:1:1: error: recipe is empty"),
        DiagnosticCase(
            id: "only comments and empty documents",
            yaml: "# nothing yet\n---\n---\n",
            expected: """
                recipe.yaml:1:1: error: recipe is empty
                # nothing yet
                ^
                """),
        DiagnosticCase(
            id: "YAML syntax error: unclosed flow sequence",
            yaml: """
                merge_method: linear
                models:
                  - model: ./a
                    parameters: {weight: [0.5, 0.3}
                """,
            expected: """
                recipe.yaml:4:35: error: did not find expected ',' or ']' (while parsing a flow sequence that starts at line 4, column 26)
                    parameters: {weight: [0.5, 0.3}
                                                  ^
                """),
        DiagnosticCase(
            id: "YAML syntax error: bad indentation",
            yaml: """
                merge_method: linear
                models:
                  - model: ./a
                   parameters: {weight: 1}
                """,
            expected: """
                recipe.yaml:4:4: error: did not find expected '-' indicator (while parsing a block collection that starts at line 3, column 3)
                   parameters: {weight: 1}
                   ^
                """),
        DiagnosticCase(
            id: "YAML syntax error: stray backtick from copy-paste",
            yaml: "merge_method: linear\nbase_model: `./base`\nmodels: [a]\n",
            expected: """
                recipe.yaml:2:13: error: found character '`' that cannot start any token (while scanning for the next token)
                base_model: `./base`
                            ^
                """),
        DiagnosticCase(
            id: "YAML syntax error: tab indentation, caret keeps the tab",
            yaml: "merge_method: linear\nmodels:\n\t- a\n",
            expected: "recipe.yaml:3:1: error: found a tab character that cannot start any token "
                + "(while scanning for the next token); indent with spaces, not tabs\n\t- a\n^"),
        DiagnosticCase(
            id: "YAML syntax error: tab before the error column",
            yaml: "merge_method: linear\nmodels: [a,\t`b]\n",
            expected: "recipe.yaml:2:13: error: found character '`' that cannot start any token "
                + "(while scanning for the next token)\nmodels: [a,\t`b]\n           \t^"),
        DiagnosticCase(
            id: "YAML error: unknown alias",
            yaml: "merge_method: linear\nmodels: [a]\nparameters: *defaults\n",
            expected: """
                recipe.yaml:3:13: error: unknown alias '*defaults': no anchor '&defaults' comes before it in this document
                parameters: *defaults
                            ^
                """),
        // The echoed line shows the NUL escaped (it never reaches the terminal raw).
        DiagnosticCase(
            id: "YAML error: NUL byte",
            yaml: "merge_method: line\u{0}ar\nmodels: [a]\n",
            expected: "recipe.yaml:1:19: error: control characters are not allowed (U+0000)\n"
                + "merge_method: line\\x00ar\n                  ^"),
        DiagnosticCase(
            id: "the document is not a mapping",
            yaml: "- merge_method: linear\n",
            expected: """
                recipe.yaml:1:1: error: a recipe must be a mapping with keys such as merge_method and models; found a list
                - merge_method: linear
                ^
                """),
        DiagnosticCase(
            id: "nothing required is there",
            yaml: "base_model: ./a\n",
            expected: """
                recipe.yaml:1:1: error: missing required key 'merge_method'
                base_model: ./a
                ^
                recipe.yaml:1:1: error: recipe needs 'models', 'slices' or 'modules'
                base_model: ./a
                ^
                """),
        DiagnosticCase(
            id: "every top-level value is checked even without merge_method",
            yaml: "name: [a]\ndtype: {}\nout_dtype: [bf16]\n",
            expected: """
                recipe.yaml:1:1: error: missing required key 'merge_method'
                name: [a]
                ^
                recipe.yaml:1:1: error: recipe needs 'models', 'slices' or 'modules'
                name: [a]
                ^
                recipe.yaml:1:7: error: 'name' must be a string; found a list
                name: [a]
                      ^
                recipe.yaml:2:8: error: 'dtype' must be a string; found a mapping
                dtype: {}
                       ^
                recipe.yaml:3:12: error: 'out_dtype' must be a string; found a list
                out_dtype: [bf16]
                           ^
                """),
        DiagnosticCase(
            id: "merge_method is not a string",
            yaml: "merge_method: [linear]\nmodels: [a]\n",
            expected: """
                recipe.yaml:1:15: error: 'merge_method' must be a string; found a list
                merge_method: [linear]
                              ^
                """),
        DiagnosticCase(
            id: "merge_method is null",
            yaml: "merge_method:\nmodels: [a]\n",
            expected: """
                recipe.yaml:1:14: error: 'merge_method' must be a string; found null
                merge_method:
                             ^
                """),
        DiagnosticCase(
            id: "both models and slices",
            yaml: """
                merge_method: passthrough
                models: [a]
                slices:
                  - sources: [{model: a}]
                """,
            expected: """
                recipe.yaml:3:1: error: recipe has both 'models' and 'slices'; use only one
                slices:
                ^
                """),
        DiagnosticCase(
            id: "models given but empty",
            yaml: "merge_method: linear\nmodels:\n",
            expected: """
                recipe.yaml:2:8: error: 'models' must be a list of models; found null
                models:
                       ^
                """),
        DiagnosticCase(
            id: "models is an empty list or a mapping",
            yaml: "merge_method: linear\nmodels: []\n---\nmerge_method: linear\nmodels: {model: a}\n",
            expected: """
                recipe.yaml:2:9: error: 'models' must not be an empty list
                models: []
                        ^
                recipe.yaml:5:9: error: 'models' must be a list of models; found a mapping
                models: {model: a}
                        ^
                """),
        DiagnosticCase(
            id: "modules next to models",
            yaml: "merge_method: linear\nmodels: [a]\nmodules:\n  default: {models: [a]}\n",
            expected: """
                recipe.yaml:3:1: error: recipe has both 'models' and 'modules'; use only one
                modules:
                ^
                """),
        DiagnosticCase(
            id: "a module needs exactly one of models and slices",
            yaml: """
                merge_method: linear
                modules:
                  text_decoder: {parameters: {weight: 1}}
                  vision_tower:
                    models: [a]
                    slices: [{sources: [{model: a}]}]
                  projector: [a]
                """,
            expected: """
                recipe.yaml:3:17: error: module 'text_decoder' needs 'models' or 'slices'
                  text_decoder: {parameters: {weight: 1}}
                                ^
                recipe.yaml:6:5: error: module 'vision_tower' has both 'models' and 'slices'; use only one
                    slices: [{sources: [{model: a}]}]
                    ^
                recipe.yaml:7:14: error: module 'projector' must be a mapping with 'models' or 'slices'; found a list
                  projector: [a]
                             ^
                """),
        DiagnosticCase(
            id: "modules must be a mapping",
            yaml: "merge_method: linear\nmodules: [a]\n",
            expected: """
                recipe.yaml:2:10: error: 'modules' must map module names (such as text_decoder) to their models or slices; found [a]
                modules: [a]
                         ^
                """),
        DiagnosticCase(
            id: "tokenizer_source and tokenizer together",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer: {source: base}\ntokenizer_source: union\n",
            expected: """
                recipe.yaml:4:1: error: recipe has both 'tokenizer_source' and 'tokenizer'; use only one
                tokenizer_source: union
                ^
                """),
        DiagnosticCase(
            id: "tokenizer is not a mapping",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer: union\n",
            expected: """
                recipe.yaml:3:12: error: 'tokenizer' must be a mapping such as {source: union}; found a scalar
                tokenizer: union
                           ^
                """),
        DiagnosticCase(
            id: "seed must be a non-negative integer",
            yaml: "merge_method: linear\nmodels: [a]\nseed: -1\n---\nmerge_method: linear\nmodels: [a]\nseed: 1.5\n",
            expected: """
                recipe.yaml:3:7: error: 'seed' must be a non-negative integer; found '-1'
                seed: -1
                      ^
                recipe.yaml:7:7: error: 'seed' must be a non-negative integer; found '1.5'
                seed: 1.5
                      ^
                """),
        DiagnosticCase(
            id: "string keys given lists",
            yaml: "merge_method: linear\nmodels: [a]\nbase_model: [a]\ndtype: {x: 1}\n",
            expected: """
                recipe.yaml:3:13: error: 'base_model' must be a string; found a list
                base_model: [a]
                            ^
                recipe.yaml:4:8: error: 'dtype' must be a string; found a mapping
                dtype: {x: 1}
                       ^
                """),
        DiagnosticCase(
            id: "model entries: missing model, a list, null",
            yaml: """
                merge_method: linear
                models:
                  - parameters: {weight: 1}
                  - [a, b]
                  -
                """,
            expected: """
                recipe.yaml:3:5: error: model entry is missing required key 'model'
                  - parameters: {weight: 1}
                    ^
                recipe.yaml:4:5: error: a model entry must be a model path or a mapping with 'model'; found a list
                  - [a, b]
                    ^
                recipe.yaml:5:4: error: a model entry must be a model path or a mapping with 'model'; found null
                  -
                   ^
                """),
        DiagnosticCase(
            id: "slices: not a mapping, missing sources, empty sources, source without model",
            yaml: """
                merge_method: passthrough
                slices:
                  - a
                  - parameters: {t: 1}
                  - sources: []
                  - sources:
                      - layer_range: [0, 2]
                      - ./b
                """,
            expected: """
                recipe.yaml:3:5: error: a slice must be a mapping with 'sources'; found a scalar
                  - a
                    ^
                recipe.yaml:4:5: error: slice is missing required key 'sources'
                  - parameters: {t: 1}
                    ^
                recipe.yaml:5:14: error: 'sources' must not be an empty list
                  - sources: []
                             ^
                recipe.yaml:7:9: error: slice source is missing required key 'model'
                      - layer_range: [0, 2]
                        ^
                recipe.yaml:8:9: error: a slice source must be a mapping with 'model'; found a scalar
                      - ./b
                        ^
                """),
        DiagnosticCase(
            id: "residual_weight must be a number",
            yaml: """
                merge_method: slerp
                base_model: a
                slices:
                  - sources: [{model: a}, {model: b}]
                    residual_weight: [1]
                """,
            expected: """
                recipe.yaml:5:22: error: 'residual_weight' must be a number; found [1]
                    residual_weight: [1]
                                     ^
                """),
        DiagnosticCase(
            id: "layer_range shapes",
            yaml: """
                merge_method: passthrough
                slices:
                  - sources:
                      - {model: a, layer_range: [3, 1]}
                      - {model: a, layer_range: [2, 2]}
                      - {model: a, layer_range: [0]}
                      - {model: a, layer_range: [-1, 2]}
                      - {model: a, layer_range: [a, 2]}
                      - {model: a, layer_range: 4}
                      - {model: a, layer_range: [0, 2.5]}
                      - {model: a, layer_range: {start: 0}}
                      - {model: a, layer_range: [0, 99999999999999999999]}
                """,
            expected: """
                recipe.yaml:4:33: error: layer_range must be [start, end] with start < end; found [3, 1]
                      - {model: a, layer_range: [3, 1]}
                                                ^
                recipe.yaml:5:33: error: layer_range must be [start, end] with start < end; found [2, 2]
                      - {model: a, layer_range: [2, 2]}
                                                ^
                recipe.yaml:6:33: error: layer_range must be [start, end] with start < end; found [0]
                      - {model: a, layer_range: [0]}
                                                ^
                recipe.yaml:7:33: error: layer_range must be [start, end] with start < end; found [-1, 2]
                      - {model: a, layer_range: [-1, 2]}
                                                ^
                recipe.yaml:8:33: error: layer_range must be [start, end] with start < end; found [a, 2]
                      - {model: a, layer_range: [a, 2]}
                                                ^
                recipe.yaml:9:33: error: layer_range must be [start, end] with start < end; found '4'
                      - {model: a, layer_range: 4}
                                                ^
                recipe.yaml:10:33: error: layer_range must be [start, end] with start < end; found [0, 2.5]
                      - {model: a, layer_range: [0, 2.5]}
                                                ^
                recipe.yaml:11:33: error: layer_range must be [start, end] with start < end; found a mapping
                      - {model: a, layer_range: {start: 0}}
                                                ^
                recipe.yaml:12:33: error: layer_range must be [start, end] with start < end; found [0, 99999999999999999999]
                      - {model: a, layer_range: [0, 99999999999999999999]}
                                                ^
                """),
        DiagnosticCase(
            id: "parameters is not a mapping",
            yaml: "merge_method: linear\nmodels:\n  - model: a\n    parameters: [weight, 1]\n",
            expected: """
                recipe.yaml:4:17: error: 'parameters' must be a mapping of parameter names to values; found a list
                    parameters: [weight, 1]
                                ^
                """),
        DiagnosticCase(
            id: "parameter values: mapping without value, empty list, nested list, mixed list",
            yaml: """
                merge_method: linear
                models: [a]
                parameters:
                  a: {filter: mlp}
                  b: []
                  c: [0.1, [0.2, 0.3]]
                  d: [0.5, {filter: mlp, value: 1}]
                  e: [{filter: mlp, value: 1}, 0.5]
                """,
            expected: """
                recipe.yaml:4:6: error: filter entry of parameter 'a' is missing required key 'value'
                  a: {filter: mlp}
                     ^
                recipe.yaml:5:6: error: parameter 'b' must be a value, a list of values, or {filter, value} entries; found an empty list
                  b: []
                     ^
                recipe.yaml:6:12: error: parameter 'c' must be a value, a list of values, or {filter, value} entries; found a list inside the list
                  c: [0.1, [0.2, 0.3]]
                           ^
                recipe.yaml:7:12: error: parameter 'd' must be a value, a list of values, or {filter, value} entries; found a list mixing values and {filter, value} entries
                  d: [0.5, {filter: mlp, value: 1}]
                           ^
                recipe.yaml:8:32: error: parameter 'e' must be a value, a list of values, or {filter, value} entries; found a list mixing values and {filter, value} entries
                  e: [{filter: mlp, value: 1}, 0.5]
                                               ^
                """),
        DiagnosticCase(
            id: "filter entries: missing value, nested filter list, mapping value, list filter",
            yaml: """
                merge_method: linear
                models: [a]
                parameters:
                  weight:
                    - filter: mlp
                    - filter: self_attn
                      value: [{filter: q_proj, value: 1}]
                    - value: {x: 1}
                    - filter: [mlp]
                      value: 1
                    - value: [1, [2]]
                """,
            expected: """
                recipe.yaml:5:7: error: filter entry of parameter 'weight' is missing required key 'value'
                    - filter: mlp
                      ^
                recipe.yaml:7:14: error: 'value' of a filter entry must be a value or a list of values; found a list of mappings (filter lists cannot be nested)
                      value: [{filter: q_proj, value: 1}]
                             ^
                recipe.yaml:8:14: error: 'value' of a filter entry must be a value or a list of values; found a mapping
                    - value: {x: 1}
                             ^
                recipe.yaml:9:15: error: 'filter' must be a string; found a list
                    - filter: [mlp]
                              ^
                recipe.yaml:11:18: error: 'value' of a filter entry must be a value or a list of values; found a list inside the list
                    - value: [1, [2]]
                                 ^
                """),
        DiagnosticCase(
            id: "several errors and warnings in one recipe, reported together and sorted",
            yaml: """
                models:
                  - model: ./a
                    parameters:
                      weight: []
                      wieght: 1
                  - modle: ./b
                seed: lots
                merge_method: [ties]
                color: blue
                """,
            expected: """
                recipe.yaml:4:15: error: parameter 'weight' must be a value, a list of values, or {filter, value} entries; found an empty list
                      weight: []
                              ^
                recipe.yaml:6:5: warning: unknown key 'modle' in model entry; did you mean 'model'?
                  - modle: ./b
                    ^
                recipe.yaml:6:5: error: model entry is missing required key 'model'
                  - modle: ./b
                    ^
                recipe.yaml:7:7: error: 'seed' must be a non-negative integer; found 'lots'
                seed: lots
                      ^
                recipe.yaml:8:15: error: 'merge_method' must be a string; found a list
                merge_method: [ties]
                              ^
                recipe.yaml:9:1: warning: unknown key 'color' in recipe
                color: blue
                ^
                """),
    ]

    @Test(arguments: cases)
    func error(_ testCase: DiagnosticCase) {
        let result = renderedDiagnostics(testCase.yaml)
        #expect(result.threw)
        #expect(result.text == testCase.expected)
    }

    @Test func invalidUTF8FromBytes() {
        let bytes = Array("merge_method: linear\nmodels: [caf".utf8) + [0xE9] + Array("]\n".utf8)
        do {
            _ = try RecipeDecoder.decode(utf8: bytes, file: "r.yaml")
            Issue.record("expected an error")
        } catch {
            let renderer = DiagnosticRenderer(sources: ["r.yaml": String(decoding: bytes, as: UTF8.self)])
            #expect(renderer.render(error.diagnostics) == """
                r.yaml:2:14: error: invalid trailing UTF-8 octet (byte 0x5D)
                models: [caf\u{FFFD}]
                             ^
                """)
        }
    }

    @Test func errorsCarryTheirSeverityAndLocation() {
        do {
            _ = try RecipeDecoder.decode("models: [a]\nfoo: 1\n", file: "r.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.map(\.severity) == [.error, .warning])
            #expect(error.diagnostics.map(\.location.description) == ["r.yaml:1:1", "r.yaml:2:1"])
        }
    }
}
