import Foundation
import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTestSupport
import Testing
@testable import MergeKitTokenizer

/// Chat templates: the built-ins' text, `auto`, inline templates, where a model's template is
/// read from, and the files written when a recipe sets only a template.
@Suite struct ChatTemplateTests {
    @Test(arguments: [
        ("chat_alpaca_copy", BuiltinChatTemplate.alpaca), ("chat_chatml_base", .chatml), ("chat_exaone_union", .exaone),
        ("chat_llama3_model", .llama3), ("chat_mistral_base", .mistral),
    ])
    func builtinTemplatesAreTheTextMergekitWrites(_ name: String, _ builtin: BuiltinChatTemplate) throws {
        let golden = try GoldenCase(name)
        #expect(golden.recipe.chatTemplate?.value == .builtin(builtin))
        #expect(try golden.goldenChatTemplate() == builtin.text)
    }

    @Test func autoPicksTheTemplateMostInputsCarry() throws {
        let golden = try GoldenCase("chat_auto_union")
        // base has its own template; ft_chatml and ft_tools carry the same one (ft_tools with a
        // trailing newline, in chat_template.jinja), which wins, stripped.
        let resolved = ChatTemplateResolver.resolve(.auto, tokenizers: golden.inputs.map(\.tokenizer))
        #expect(resolved == (try golden.goldenChatTemplate()))
        #expect(ChatTemplateResolver.resolve(.auto, tokenizers: [nil]) == nil)
    }

    @Test func aTieGoesToTheTemplateMetFirst() {
        func tokenizer(_ template: String) -> ModelTokenizer {
            ModelTokenizer(directory: "/m", vocabulary: TokenizerVocabulary(modelKind: .bpe, modelVocabulary: [:], addedTokens: []),
                           chatTemplateFile: template)
        }
        #expect(ChatTemplateResolver.resolve(.auto, tokenizers: [tokenizer(" B "), tokenizer("A"), tokenizer("A\n"), tokenizer("B")]) == "B")
    }

    @Test(arguments: ["chat_inline_copy", "chat_alpaca_copy"])
    func aTemplateWithoutTokenizerSourceRewritesTheBasesFiles(_ name: String) throws {
        let golden = try GoldenCase(name)
        let setting = try #require(golden.recipe.chatTemplate?.value)
        let baseIndex = try #require(golden.base)
        let base = try #require(golden.inputs[baseIndex].tokenizer)
        let (written, directory) = try golden.writeAndRead(
            TokenizerFiles.make(copying: base, chatTemplate: ChatTemplateResolver.resolve(setting, tokenizers: [])))
        let expected = try #require(try ModelTokenizer.read(directory: golden.outputDirectory))
        #expect(written.chatTemplate == expected.chatTemplate)
        #expect(written.vocabulary.modelTokensByID.map { "\($0.token) \($0.id)" }
                == expected.vocabulary.modelTokensByID.map { "\($0.token) \($0.id)" })
        #expect(written.vocabulary.addedTokens == expected.vocabulary.addedTokens)
        // The template is in both places transformers versions look.
        #expect(written.configuration?["chat_template"]?.stringValue == written.chatTemplateFile)
        withExtendedLifetime(directory) {}
    }

    @Test func recipeTextIsANameAutoOrJinja() {
        #expect(ChatTemplateSetting(recipeText: "auto") == .auto)
        #expect(ChatTemplateSetting(recipeText: "llama3") == .builtin(.llama3))
        #expect(ChatTemplateSetting(recipeText: "{{ messages[0]['content'] }}") == .inline("{{ messages[0]['content'] }}"))
        #expect(ChatTemplateSetting(recipeText: "llama-3") == nil)
        #expect(ChatTemplateSetting(recipeText: "{{ short }}") == nil)
    }

    @Test func aModelsTemplateIsReadFromTheJinjaFileFirst() throws {
        let vocabulary = TokenizerVocabulary(modelKind: .bpe, modelVocabulary: [:], addedTokens: [])
        let listed = try JSONParser.parse(Array(#"""
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
            """#.utf8))
        #expect(ModelTokenizer(directory: "/m", vocabulary: vocabulary, configuration: listed.objectValue).chatTemplate == "D")
        #expect(ModelTokenizer(directory: "/m", vocabulary: vocabulary, configuration: listed.objectValue,
                               chatTemplateFile: "J").chatTemplate == "J")
        let tools = try #require(try ModelTokenizer.read(directory: TokenizerFixtures.model("ft_tools")))
        #expect(tools.chatTemplate == tools.chatTemplateFile)
        #expect(tools.configuration?["chat_template"]?.stringValue != tools.chatTemplateFile)
    }
}
