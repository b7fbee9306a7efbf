import MergeKitRecipe
import Testing

struct RecipeCase: CustomTestStringConvertible, Sendable {
    let id: String
    let yaml: String
    let positions: Bool
    let expected: String
    var testDescription: String { id }
}

/// The recipe shapes of the mergekit conformance cases (texts copied verbatim) and our lenient
/// additions, decoded and dumped whole.
@Suite("Recipe decoding: conformance recipe shapes")
struct ConformanceRecipeTests {
    static let cases: [RecipeCase] = [
        RecipeCase(
            id: "ties: models with flow parameters, top-level parameters",
            yaml: """
                merge_method: ties
                base_model: ./models/base
                models:
                  - model: ./models/ft_a
                    parameters: {density: 0.5, weight: 1.0}
                  - model: ./models/ft_b
                    parameters: {density: 0.5, weight: 0.7}
                  - model: ./models/ft_c
                    parameters: {density: 0.5, weight: 0.5}
                parameters:
                  normalize: true
                """,
            positions: true,
            expected: """
                merge_method: ties @1:15
                base_model: ./models/base @2:13
                parameters @11:3
                  normalize @11:3 = true @11:14
                models:
                  - model ./models/ft_a @4:12
                    parameters @5:17
                      density @5:18 = 0.5 @5:27
                      weight @5:32 = 1.0 @5:40
                  - model ./models/ft_b @6:12
                    parameters @7:17
                      density @7:18 = 0.5 @7:27
                      weight @7:32 = 0.7 @7:40
                  - model ./models/ft_c @8:12
                    parameters @9:17
                      density @9:18 = 0.5 @9:27
                      weight @9:32 = 0.5 @9:40
                """),
        RecipeCase(
            id: "linear_nonorm_filters: per-model filter lists with gradients",
            yaml: """
                merge_method: linear
                parameters:
                  normalize: false
                models:
                  - model: ./models/base
                    parameters:
                      weight:
                        - filter: self_attn
                          value: [0.2, 0.8]
                        - filter: mlp
                          value: 0.5
                        - value: 0.6
                  - model: ./models/ft_a
                    parameters:
                      weight:
                        - filter: self_attn
                          value: [0.8, 0.2]
                        - filter: mlp
                          value: 0.5
                        - value: 0.4
                """,
            positions: true,
            expected: """
                merge_method: linear @1:15
                parameters @3:3
                  normalize @3:3 = false @3:14
                models:
                  - model ./models/base @5:12
                    parameters @7:7
                      weight @7:7 = filters @8:9
                        - self_attn @8:19 -> [0.2 @9:19, 0.8 @9:24] @9:18 @8:11
                        - mlp @10:19 -> 0.5 @11:18 @10:11
                        - (any) -> 0.6 @12:18 @12:11
                  - model ./models/ft_a @13:12
                    parameters @15:7
                      weight @15:7 = filters @16:9
                        - self_attn @16:19 -> [0.8 @17:19, 0.2 @17:24] @17:18 @16:11
                        - mlp @18:19 -> 0.5 @19:18 @18:11
                        - (any) -> 0.4 @20:18 @20:11
                """),
        RecipeCase(
            id: "slerp_gradient: slices with layer_range, filtered gradients for t",
            yaml: """
                merge_method: slerp
                base_model: ./models/base
                slices:
                  - sources:
                      - model: ./models/base
                        layer_range: [0, 4]
                      - model: ./models/ft_a
                        layer_range: [0, 4]
                parameters:
                  t:
                    - filter: self_attn
                      value: [0, 0.5, 0.3, 0.7, 1]
                    - filter: mlp
                      value: [1, 0.5, 0.7, 0.3, 0]
                    - value: 0.5
                """,
            positions: true,
            expected: """
                merge_method: slerp @1:15
                base_model: ./models/base @2:13
                parameters @10:3
                  t @10:3 = filters @11:5
                    - self_attn @11:15 -> [0 @12:15, 0.5 @12:18, 0.3 @12:23, 0.7 @12:28, 1 @12:33] @12:14 @11:7
                    - mlp @13:15 -> [1 @14:15, 0.5 @14:18, 0.7 @14:23, 0.3 @14:28, 0 @14:33] @14:14 @13:7
                    - (any) -> 0.5 @15:14 @15:7
                slices:
                  - slice @4:5
                    - source ./models/base @5:16 layers [0, 4) @6:22
                    - source ./models/ft_a @7:16 layers [0, 4) @8:22
                """),
        RecipeCase(
            id: "task_arithmetic: gradient, scalar and filter list with a negative default",
            yaml: """
                merge_method: task_arithmetic
                base_model: ./models/base
                models:
                  - model: ./models/ft_a
                    parameters:
                      weight: [1.0, 0.5]
                  - model: ./models/ft_b
                    parameters:
                      weight: 0.3
                  - model: ./models/ft_c
                    parameters:
                      weight:
                        - filter: mlp
                          value: 0.2
                        - value: -0.1
                parameters:
                  lambda: 0.9
                """,
            positions: false,
            expected: """
                merge_method: task_arithmetic
                base_model: ./models/base
                parameters
                  lambda = 0.9
                models:
                  - model ./models/ft_a
                    parameters
                      weight = [1.0, 0.5]
                  - model ./models/ft_b
                    parameters
                      weight = 0.3
                  - model ./models/ft_c
                    parameters
                      weight = filters
                        - mlp -> 0.2
                        - (any) -> -0.1
                """),
        RecipeCase(
            id: "one {filter, value} mapping on its own is a one-entry filter list (mergekit's ConditionalParameter)",
            yaml: """
                merge_method: task_arithmetic
                base_model: ./models/base
                models:
                  - model: ./models/ft_a
                    parameters:
                      weight: {filter: mlp, value: [0.2, 0.8]}
                parameters:
                  lambda: {value: 0.9}
                """,
            positions: false,
            expected: """
                merge_method: task_arithmetic
                base_model: ./models/base
                parameters
                  lambda = filters
                    - (any) -> 0.9
                models:
                  - model ./models/ft_a
                    parameters
                      weight = filters
                        - mlp -> [0.2, 0.8]
                """),
        RecipeCase(
            id: "passthrough_franken: two slices",
            yaml: """
                merge_method: passthrough
                slices:
                  - sources:
                      - model: ./models/base
                        layer_range: [0, 3]
                  - sources:
                      - model: ./models/ft_a
                        layer_range: [1, 4]
                """,
            positions: false,
            expected: """
                merge_method: passthrough
                slices:
                  - slice
                    - source ./models/base layers [0, 3)
                  - slice
                    - source ./models/ft_a layers [1, 4)
                """),
        RecipeCase(
            id: "karcher: no base model, exponent without a dot",
            yaml: """
                merge_method: karcher
                models:
                  - model: ./models/ft_a
                  - model: ./models/ft_b
                  - model: ./models/ft_c
                parameters:
                  max_iter: 10
                  tol: 1.0e-5
                """,
            positions: false,
            expected: """
                merge_method: karcher
                parameters
                  max_iter = 10
                  tol = 1.0e-5
                models:
                  - model ./models/ft_a
                  - model ./models/ft_b
                  - model ./models/ft_c
                """),
        RecipeCase(
            id: "vocab_union: tokenizer section",
            yaml: """
                merge_method: linear
                base_model: ./models/base
                models:
                  - model: ./models/base
                    parameters: {weight: 0.5}
                  - model: ./models/ft_v136
                    parameters: {weight: 0.5}
                tokenizer:
                  source: union
                """,
            positions: true,
            expected: """
                merge_method: linear @1:15
                base_model: ./models/base @2:13
                tokenizer_source: union @9:11
                models:
                  - model ./models/base @4:12
                    parameters @5:17
                      weight @5:18 = 0.5 @5:26
                  - model ./models/ft_v136 @6:12
                    parameters @7:17
                      weight @7:18 = 0.5 @7:26
                """),
        RecipeCase(
            id: "arcee_fusion: the base listed in models without parameters",
            yaml: """
                merge_method: arcee_fusion
                base_model: ./models/base
                models:
                  - model: ./models/base
                  - model: ./models/ft_a
                """,
            positions: false,
            expected: """
                merge_method: arcee_fusion
                base_model: ./models/base
                models:
                  - model ./models/base
                  - model ./models/ft_a
                """),
        RecipeCase(
            id: "our additions and lenient forms",
            yaml: """
                name: step1
                merge_method: linear
                seed: 42
                dtype: bfloat16
                out_dtype: float16
                tokenizer_source: base
                parameters:
                models:
                - ./models/ft_a
                - model: "./models/ft b"
                  parameters:
                    weight: "0.5"
                """,
            positions: true,
            expected: """
                name: step1 @1:7
                merge_method: linear @2:15
                dtype: bfloat16 @4:8
                out_dtype: float16 @5:12
                tokenizer_source: base @6:19
                seed: 42 @3:7
                parameters @7:12
                models:
                  - model ./models/ft_a @9:3
                  - model ./models/ft b @10:10
                    parameters @12:5
                      weight @12:5 = "0.5" @12:13
                """),
        RecipeCase(
            id: "slice parameters, source parameters, no layer_range",
            yaml: """
                merge_method: slerp
                base_model: a
                slices:
                  - sources:
                      - model: a
                        parameters: {t: [0, 1]}
                      - model: b
                    parameters:
                      t: 0.5
                """,
            positions: false,
            expected: """
                merge_method: slerp
                base_model: a
                slices:
                  - slice
                    parameters
                      t = 0.5
                    - source a
                      parameters
                        t = [0, 1]
                    - source b
                """),
        RecipeCase(
            id: "tokenizer without source means union, as in mergekit; null values mean absent",
            yaml: """
                merge_method: linear
                base_model:
                tokenizer_source: ~
                tokenizer: {}
                models: [a, b]
                """,
            positions: true,
            expected: """
                merge_method: linear @1:15
                tokenizer_source: union @4:12
                models:
                  - model a @5:10
                  - model b @5:13
                """),
        RecipeCase(
            id: "modules: per-module models or slices and parameters, in recipe order",
            yaml: """
                merge_method: linear
                modules:
                  text_decoder:
                    slices:
                      - sources: [{model: a, layer_range: [0, 2]}]
                    parameters: {weight: 0.5}
                  vision_tower:
                    models: [a, b]
                """,
            positions: false,
            expected: """
                merge_method: linear
                modules:
                  text_decoder:
                    parameters
                      weight = 0.5
                    slices:
                      - slice
                        - source a layers [0, 2)
                  vision_tower:
                    models:
                      - model a
                      - model b
                """),
        RecipeCase(
            id: "a slice's own base_model",
            yaml: """
                merge_method: task_arithmetic
                base_model: base
                slices:
                  - sources: [{model: a}, {model: b}]
                    base_model: b
                """,
            positions: true,
            expected: """
                merge_method: task_arithmetic @1:15
                base_model: base @2:13
                slices:
                  - slice @4:5
                    base_model: b @5:17
                    - source a @4:23
                    - source b @4:35
                """),
    ]

    @Test(arguments: cases)
    func decode(_ testCase: RecipeCase) throws {
        let decoded = try RecipeDecoder.decode(testCase.yaml, file: "recipe.yaml")
        #expect(decoded.warnings.isEmpty)
        let recipe = try #require(decoded.recipes.count == 1 ? decoded.recipes.first : nil)
        #expect(RecipeDump(positions: testCase.positions).dump(recipe) == testCase.expected)
        #expect(recipe.source == testCase.yaml)
        #expect(recipe.file == "recipe.yaml")
        #expect(recipe.mergeMethod.location.file == "recipe.yaml")
    }

    @Test func multiDocumentRecipes() throws {
        let yaml = """
            name: first
            merge_method: slerp
            base_model: ./a
            models: [./a, ./b]
            parameters: {t: 0.5}
            ---
            merge_method: linear
            models:
              - model: first
              - model: ./c
            ---

            """
        let decoded = try RecipeDecoder.decode(yaml, file: "chain.yaml")
        #expect(decoded.warnings.isEmpty)
        let dumps = decoded.recipes.map { RecipeDump(positions: true).dump($0) }
        #expect(dumps == [
            """
            name: first @1:7
            merge_method: slerp @2:15
            base_model: ./a @3:13
            parameters @5:13
              t @5:14 = 0.5 @5:17
            models:
              - model ./a @4:10
              - model ./b @4:15
            """,
            """
            merge_method: linear @7:15
            models:
              - model first @9:12
              - model ./c @10:12
            """,
        ])
        #expect(decoded.recipes.allSatisfy { $0.source == yaml && $0.file == "chain.yaml" })
    }

    @Test func bytesEntryPointDecodesTheSameRecipe() throws {
        let yaml = "merge_method: linear\nmodels: [./é]\n"
        let fromBytes = try RecipeDecoder.decode(utf8: Array(yaml.utf8), file: "r.yaml")
        let fromText = try RecipeDecoder.decode(yaml, file: "r.yaml")
        let dump = RecipeDump(positions: true)
        #expect(fromBytes.recipes.map(dump.dump) == fromText.recipes.map(dump.dump))
        #expect(fromBytes.recipes.first?.source == yaml)
    }

    @Test func parameterTableLookupFindsTheEntry() throws {
        let decoded = try RecipeDecoder.decode(
            "merge_method: ties\nmodels: [a]\nparameters: {density: 0.5, normalize: yes}\n", file: "r.yaml")
        let parameters = try #require(decoded.recipes.first?.parameters)
        guard case .scalar(let density)? = parameters["density"]?.value else {
            Issue.record("density is not a scalar")
            return
        }
        #expect(density.value.numberValue == 0.5)
        guard case .scalar(let normalize)? = parameters["normalize"]?.value else {
            Issue.record("normalize is not a scalar")
            return
        }
        #expect(normalize.value.boolValue == true)
        #expect(parameters["weight"] == nil)
    }
}
