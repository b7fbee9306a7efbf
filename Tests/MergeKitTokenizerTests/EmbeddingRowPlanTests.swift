import MergeKitRecipe
import MergeKitYAML
import Testing
@testable import MergeKitTokenizer

/// mergekit's rules for rows a model lacks, overrides and padding, on small vocabularies where
/// every row can be stated.
@Suite struct EmbeddingRowPlanTests {
    typealias Builder = OutputVocabularyBuilderTests

    static func at(_ line: Int, _ column: Int = 1) -> MergeKitYAML.SourceLocation {
        MergeKitYAML.SourceLocation(file: "recipe.yaml", line: line, column: column)
    }

    /// base (a b c <eos>), chat (+ <im> </im>), tools (+ d <tool> <im>), in that order.
    static func plan(
        _ tokens: [TokenOverride] = [], source: TokenizerSettings.Source = .union, pad: Int? = nil, base: Int? = 0
    ) throws -> VocabularyPlan {
        let settings = TokenizerSettings(source: Located(source, at: at(1)), tokens: tokens,
                                         padToMultipleOf: pad.map { Located($0, at: at(2)) })
        let references = ["base", "chat", "tools"]
        return try VocabularyPlanner.plan(
            settings: settings, inputs: Builder.inputs([Builder.base, Builder.chat, Builder.tools], names: references), base: base,
            modelIndex: { references.firstIndex(of: $0) })
    }

    static func participants(_ rows: [Int] = [4, 6, 7]) -> [EmbeddingParticipant] {
        rows.enumerated().map { EmbeddingParticipant(input: $0, rows: $1) }
    }

    @Test func rowsComeFromTheModelsThatHaveTheToken() throws {
        let plan = try Self.plan()
        #expect(plan.output.tokens == ["a", "b", "c", "<eos>", "d", "<im>", "</im>", "<tool>"])
        let rows = try plan.embeddingRows(for: "embed", participants: Self.participants())
        // Every model has "b": its own row. tools has <eos> at row 4.
        #expect((0 ..< 3).map { rows.source(participant: $0, row: 1) } == [.input(row: 1), .input(row: 1), .input(row: 1)])
        #expect(rows.source(participant: 2, row: 3) == .input(row: 4))
        // Only tools has "d" and <tool>: everyone else gets tools' row.
        #expect(rows.source(participant: 0, row: 4) == .computed(.copy(InputRow(participant: 2, row: 3))))
        #expect(rows.source(participant: 1, row: 7) == .computed(.copy(InputRow(participant: 2, row: 5))))
        // chat and tools have <im>, the base lacks it: the base gets their mean.
        #expect(rows.source(participant: 0, row: 5) == .computed(.mean([InputRow(participant: 1, row: 4),
                                                                          InputRow(participant: 2, row: 6)])))
        #expect(rows.summary == EmbeddingRowPlan.Summary(tokenCount: 8, paddingRows: 0, rowsFromEveryModel: 4,
                                                         copiedRows: 3, meanRows: 1, zeroRows: 0))
    }

    @Test func theBasesRowIsTheDefaultWhenTheBaseHasTheToken() throws {
        // "short" lacks "c", which the base and tools have.
        let short = Builder.tokenizer(["a", "b"], added: [Builder.special("<eos>", 2)])
        let references = ["base", "short", "tools"]
        func rows(base: Int?) throws -> EmbeddingRowPlan {
            try VocabularyPlanner.plan(
                settings: TokenizerSettings(source: Located(.base, at: Self.at(1))),
                inputs: Builder.inputs([Builder.base, short, Builder.tools], names: references), base: base,
                modelIndex: { references.firstIndex(of: $0) }
            ).embeddingRows(for: "embed", participants: Self.participants([4, 3, 7]))
        }
        #expect(try rows(base: 0).source(participant: 1, row: 2) == .computed(.copy(InputRow(participant: 0, row: 2))))
        // Without a base_model, the models that have the token are averaged.
        #expect(try rows(base: nil).source(participant: 1, row: 2)
                == .computed(.mean([InputRow(participant: 0, row: 2), InputRow(participant: 2, row: 2)])))
    }

    @Test func overridesForceZeroModelAndModelTokenRows() throws {
        let plan = try Self.plan([
            TokenOverride(token: Located("a", at: Self.at(3)), source: .zero(Self.at(3)), force: Located(true, at: Self.at(3))),
            TokenOverride(token: Located("<im>", at: Self.at(4)), source: .model(Located("tools", at: Self.at(4)))),
            TokenOverride(token: Located("<new>", at: Self.at(5)),
                          source: .modelToken(model: Located("chat", at: Self.at(5)), token: .content(Located("</im>", at: Self.at(5))))),
            TokenOverride(token: Located("b", at: Self.at(6)),
                          source: .modelToken(model: Located("base", at: Self.at(6)), token: .id(Located(3, at: Self.at(6)))),
                          force: Located(true, at: Self.at(6))),
        ])
        #expect(plan.output.tokens.last == "<new>")
        let rows = try plan.embeddingRows(for: "embed", participants: Self.participants())
        #expect((0 ..< 3).map { rows.source(participant: $0, row: 0) } == Array(repeating: .computed(.zero), count: 3))
        #expect(rows.source(participant: 0, row: 5) == .computed(.copy(InputRow(participant: 2, row: 6))))
        #expect(rows.source(participant: 1, row: 5) == .input(row: 4))
        #expect(rows.source(participant: 2, row: 8) == .computed(.copy(InputRow(participant: 1, row: 5))))
        #expect((0 ..< 3).map { rows.source(participant: $0, row: 1) }
                == Array(repeating: .computed(.copy(InputRow(participant: 0, row: 3))), count: 3))
    }

    @Test func overridesThatCannotGiveARowAreLocatedErrors() throws {
        let plan = try Self.plan([
            TokenOverride(token: Located("<new>", at: Self.at(3))),
            TokenOverride(token: Located("d", at: Self.at(4)), source: .model(Located("chat", at: Self.at(4, 14)))),
            TokenOverride(token: Located("<x>", at: Self.at(5)),
                          source: .modelToken(model: Located("base", at: Self.at(5)), token: .id(Located(9, at: Self.at(5, 30))))),
        ])
        let error = #expect(throws: TokenizerError.self) {
            try plan.embeddingRows(for: "lm_head.weight", participants: Self.participants())
        }
        #expect(error?.problems.map(\.description) == [
            "recipe.yaml:4:14: token 'd' is not in the vocabulary of 'chat'",
            "recipe.yaml:3:1: token '<new>' needs a 'source': not every model has it",
            "recipe.yaml:5:30: token id 9 is out of range for 'base', whose embedding has 4 rows",
        ])
        let missing = #expect(throws: TokenizerError.self) {
            try Self.plan([TokenOverride(token: Located("d", at: Self.at(4)), source: .model(Located("chat", at: Self.at(4, 14))))])
                .embeddingRows(for: "lm_head.weight", participants: [EmbeddingParticipant(input: 2, rows: 7),
                                                                     EmbeddingParticipant(input: 0, rows: 4)])
        }
        #expect(missing?.description == "recipe.yaml:4:14: 'chat' is named as a token source, but it has no 'lm_head.weight' to take the row from")
    }

    @Test func aTensorShorterThanItsVocabularyIsRefused() throws {
        let error = #expect(throws: TokenizerError.self) {
            try Self.plan().embeddingRows(for: "model.embed_tokens.weight", participants: Self.participants([4, 5, 7]))
        }
        #expect(error?.description == "recipe.yaml:1:1: 'chat' has 5 rows in 'model.embed_tokens.weight', but its vocabulary puts token '</im>' at row 5")
    }

    @Test func unknownModelsAndTokensAreReportedWhenPlanning() {
        let error = #expect(throws: TokenizerError.self) {
            try Self.plan([
                TokenOverride(token: Located("a", at: Self.at(3)), source: .model(Located("chta", at: Self.at(3, 12)))),
                TokenOverride(token: Located("b", at: Self.at(4)),
                              source: .modelToken(model: Located("chat", at: Self.at(4)), token: .content(Located("<nope>", at: Self.at(4, 40))))),
            ])
        }
        #expect(error?.problems.map(\.description) == [
            "recipe.yaml:3:12: 'chta' is not one of the recipe's models ('base', 'chat', 'tools')",
            "recipe.yaml:4:40: token '<nope>' is not in the vocabulary of 'chat'",
        ])
    }

    @Test func paddingRowsAreEachParticipantsMeanRow() throws {
        let plan = try Self.plan(pad: 16)
        #expect(plan.rowCount == 16)
        let rows = try plan.embeddingRows(for: "embed", participants: Self.participants())
        #expect(rows.hasPadding)
        #expect(rows.source(participant: 1, row: 8) == .paddingMean)
        #expect(try Self.plan(pad: 4).rowCount == 8)
    }

    @Test func segmentsJoinConsecutiveInputRows() throws {
        let plan = try Self.plan(pad: 10)
        let rows = try plan.embeddingRows(for: "embed", participants: Self.participants())
        #expect(rows.segments(participant: 2, rows: 0 ..< 10) == [
            .input(output: 0 ..< 3, firstInputRow: 0),
            .input(output: 3 ..< 4, firstInputRow: 4),
            .input(output: 4 ..< 5, firstInputRow: 3),
            .input(output: 5 ..< 6, firstInputRow: 6),
            .computed(outputRow: 6, .copy(InputRow(participant: 1, row: 5))),
            .input(output: 7 ..< 8, firstInputRow: 5),
            .paddingMean(output: 8 ..< 10),
        ])
        #expect(rows.segments(participant: 0, rows: 2 ..< 5) == [
            .input(output: 2 ..< 4, firstInputRow: 2),
            .computed(outputRow: 4, .copy(InputRow(participant: 2, row: 3))),
        ])
    }
}
