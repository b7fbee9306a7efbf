import MergeKitRecipe
import MergeKitYAML
import Testing

/// `tokenizer_source`, the `tokenizer:` block and `chat_template` decode to typed values with
/// their positions; wrong shapes are located errors.
@Suite struct TokenizerRecipeTests {
    private func decode(_ yaml: String) throws -> Recipe {
        try #require(try RecipeDecoder.decode(yaml, file: "r.yaml").recipes.first)
    }

    private func at(_ line: Int, _ column: Int) -> MergeKitYAML.SourceLocation {
        MergeKitYAML.SourceLocation(file: "r.yaml", line: line, column: column)
    }

    @Test func tokenizerSourceSpellings() throws {
        #expect(try decode("merge_method: linear\nmodels: [a]\ntokenizer_source: union\n").tokenizer
                == TokenizerSettings(source: Located(.union, at: at(3, 19))))
        #expect(try decode("merge_method: linear\nmodels: [a]\ntokenizer_source: base\n").tokenizer?.source.value == .base)
        #expect(try decode("merge_method: linear\nmodels: [a]\ntokenizer: {source: ./a}\n").tokenizer?.source.value == .model("./a"))
        #expect(try decode("merge_method: linear\nmodels: [a]\n").tokenizer == nil)
        #expect(try decode("merge_method: linear\nmodels: [a]\ntokenizer_source: ./a\n").tokenizerSource?.value == "./a")
    }

    @Test func everyTokenOverrideForm() throws {
        let recipe = try decode("""
            merge_method: linear
            models: [a, b]
            tokenizer:
              source: base
              pad_to_multiple_of: "64"
              tokens:
                <|im_start|>:
                  source: b
                  force: yes
                <|im_end|>:
                  source: {kind: zero}
                <think>: {source: {kind: model_token, model: a, token: <s>}}
                </think>: {source: {kind: model_token, model: b, token_id: 7.0}, force: false}
                hello: {}
            chat_template: chatml
            """)
        let tokenizer = try #require(recipe.tokenizer)
        #expect(tokenizer.source == Located(.base, at: at(4, 11)))
        #expect(tokenizer.padToMultipleOf == Located(64, at: at(5, 23)))
        #expect(tokenizer.tokens == [
            TokenOverride(token: Located("<|im_start|>", at: at(7, 5)), source: .model(Located("b", at: at(8, 15))),
                          force: Located(true, at: at(9, 14))),
            TokenOverride(token: Located("<|im_end|>", at: at(10, 5)), source: .zero(at(11, 22))),
            TokenOverride(token: Located("<think>", at: at(12, 5)),
                          source: .modelToken(model: Located("a", at: at(12, 50)), token: .content(Located("<s>", at: at(12, 60))))),
            TokenOverride(token: Located("</think>", at: at(13, 5)),
                          source: .modelToken(model: Located("b", at: at(13, 51)), token: .id(Located(7, at: at(13, 64)))),
                          force: Located(false, at: at(13, 77))),
            TokenOverride(token: Located("hello", at: at(14, 5))),
        ])
        #expect(recipe.chatTemplate == Located(.builtin(.chatml), at: at(15, 16)))
    }

    @Test func chatTemplateForms() throws {
        #expect(try decode("merge_method: linear\nmodels: [a]\nchat_template: auto\n").chatTemplate?.value == .auto)
        let inline = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
        #expect(try decode("merge_method: linear\nmodels: [a]\nchat_template: \"\(inline)\"\n").chatTemplate?.value == .inline(inline))
        #expect(try decode("merge_method: linear\nmodels: [a]\nchat_template: ''\n").chatTemplate == nil)
        #expect(try decode("merge_method: linear\nmodels: [a]\npad_to_multiple_of: 8\ntokenizer: {pad_to_multiple_of: 0}\n")
                .tokenizer?.padToMultipleOf == nil)
    }

    static let errors: [DiagnosticCase] = [
        DiagnosticCase(
            id: "unknown source kind",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer:\n  tokens:\n    x: {source: {kind: zeros}}\n",
            expected: """
                r.yaml:5:24: error: unknown source kind 'zeros' for token 'x'; expected zero or model_token; did you mean 'zero'?
                    x: {source: {kind: zeros}}
                                       ^
                """),
        DiagnosticCase(
            id: "a source mapping without kind",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer:\n  tokens:\n    x: {source: {model: a}}\n",
            expected: """
                r.yaml:5:17: error: the source of token 'x' needs 'kind: zero' or 'kind: model_token'
                    x: {source: {model: a}}
                                ^
                """),
        DiagnosticCase(
            id: "model_token with both token and token_id, and a bad force",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer:\n  tokens:\n    x: {source: {kind: model_token, model: a, token: y, token_id: 3}, force: sure}\n",
            expected: """
                r.yaml:5:57: error: a model_token source takes 'token' or 'token_id', not both
                    x: {source: {kind: model_token, model: a, token: y, token_id: 3}, force: sure}
                                                                        ^
                r.yaml:5:78: error: 'force' must be true or false; found 'sure'
                    x: {source: {kind: model_token, model: a, token: y, token_id: 3}, force: sure}
                                                                                             ^
                """),
        DiagnosticCase(
            id: "model_token without model or token",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer:\n  tokens:\n    x: {source: {kind: model_token}}\n",
            expected: """
                r.yaml:5:17: error: a model_token source is missing required key 'model'
                    x: {source: {kind: model_token}}
                                ^
                r.yaml:5:17: error: a model_token source needs 'token' (a token of the model) or 'token_id' (a row of its embedding)
                    x: {source: {kind: model_token}}
                                ^
                """),
        DiagnosticCase(
            id: "negative token_id, token entry that is not a mapping, tokens as a list",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer:\n  tokens:\n    x: {source: {kind: model_token, model: a, token_id: -1}}\n    y: a\n",
            expected: """
                r.yaml:5:57: error: 'token_id' must be a non-negative integer; found '-1'
                    x: {source: {kind: model_token, model: a, token_id: -1}}
                                                                        ^
                r.yaml:6:8: error: token 'y' needs a mapping such as {source: MODEL, force: true}; found 'a'
                    y: a
                       ^
                """),
        DiagnosticCase(
            id: "tokens that is not a mapping, bad padding",
            yaml: "merge_method: linear\nmodels: [a]\ntokenizer:\n  tokens: [x]\n  pad_to_multiple_of: -8\n",
            expected: """
                r.yaml:4:11: error: 'tokens' must be a mapping from tokens to {source, force}; found a list
                  tokens: [x]
                          ^
                r.yaml:5:23: error: 'pad_to_multiple_of' must be a positive integer such as 64; found '-8'
                  pad_to_multiple_of: -8
                                      ^
                """),
        DiagnosticCase(
            id: "unknown chat template name",
            yaml: "merge_method: linear\nmodels: [a]\nchat_template: llama-3\n",
            expected: """
                r.yaml:3:16: error: unknown chat template 'llama-3'; expected auto, alpaca, chatml, exaone, llama3, mistral or a Jinja template (at least 20 characters, with '{'); did you mean 'llama3'?
                chat_template: llama-3
                               ^
                """),
        DiagnosticCase(
            id: "chat template that is not a string",
            yaml: "merge_method: linear\nmodels: [a]\nchat_template: [chatml]\n",
            expected: """
                r.yaml:3:16: error: 'chat_template' must be a template name or a Jinja template; found a list
                chat_template: [chatml]
                               ^
                """),
    ]

    @Test(arguments: errors)
    func locatedErrors(_ testCase: DiagnosticCase) {
        let result = renderedDiagnostics(testCase.yaml, file: "r.yaml")
        #expect(result.threw)
        #expect(result.text == testCase.expected)
    }
}
