/// One input model as the vocabulary builder sees it.
public struct TokenizerInput: Sendable {
    /// The model reference as the recipe writes it (messages name models this way).
    public var reference: String
    /// nil when the model directory has no tokenizer.json: mergekit then assumes the base's.
    public var tokenizer: ModelTokenizer?
    /// The model's vocabulary size from config.json (`vocab_size`, or the architecture's key):
    /// tokens with a larger id have no embedding row. nil when the config does not say.
    public var vocabularySize: Int?

    public init(reference: String, tokenizer: ModelTokenizer?, vocabularySize: Int?) {
        self.reference = reference
        self.tokenizer = tokenizer
        self.vocabularySize = vocabularySize
    }
}
