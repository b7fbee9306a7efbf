import Testing
@testable import MergeKitTokenizer

/// The tokenizers library's rules for `add_tokens`, which decide the ids and flags of the
/// tokens a union or `tokens:` adds.
@Suite struct AddedVocabularyTests {
    static let base = TokenizerVocabulary(
        modelKind: .bpe, modelVocabulary: ["a": 0, "b": 1, "ab": 2],
        addedTokens: [AddedToken(id: 3, content: "<s>", normalized: false, special: true)])

    @Test func newTokensGetTheNextIDsInOrder() {
        var vocabulary = AddedVocabulary(Self.base)
        #expect(vocabulary.add(.plain("x")) == 4)
        #expect(vocabulary.add(AddedToken(id: 99, content: "<y>", normalized: false, special: true)) == 5)
        #expect(vocabulary.vocabulary.count == 6)
    }

    @Test func aTokenAddedAgainWithTheSameFlagsIsIgnored() {
        var vocabulary = AddedVocabulary(Self.base)
        #expect(vocabulary.add(AddedToken(id: 0, content: "<s>", normalized: false, special: true)) == nil)
        #expect(vocabulary.add(.plain("")) == nil)
        #expect(vocabulary.vocabulary.addedTokens == Self.base.addedTokens)
    }

    @Test func anAddedTokenAddedWithOtherFlagsKeepsItsIDAndTakesTheNewFlags() {
        var vocabulary = AddedVocabulary(Self.base)
        #expect(vocabulary.add(.plain("<s>")) == 3)
        #expect(vocabulary.vocabulary.addedTokens == [AddedToken(id: 3, content: "<s>", normalized: true, special: false)])
    }

    @Test func aLearnedTokenAddedBecomesAnAddedTokenAtItsOwnID() {
        var vocabulary = AddedVocabulary(Self.base)
        #expect(vocabulary.add(AddedToken(id: 0, content: "ab", normalized: false, special: true)) == 2)
        #expect(vocabulary.vocabulary.addedTokens.map(\.id) == [2, 3])
        #expect(vocabulary.vocabulary.count == 4)
    }

    @Test func addedTokensInsideTheModelVocabularyDoNotMoveTheNextID() {
        // Specials trained into the model vocabulary (ids below its size): the next id is the
        // model vocabulary's size, not one past the largest added id.
        let trained = TokenizerVocabulary(
            modelKind: .wordLevel, modelVocabulary: ["<unk>": 0, "a": 1, "b": 2],
            addedTokens: [AddedToken(id: 0, content: "<unk>", normalized: false, special: true)])
        var vocabulary = AddedVocabulary(trained)
        #expect(vocabulary.add(.plain("c")) == 3)
    }
}
