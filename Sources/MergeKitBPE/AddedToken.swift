/// A token matched in the text before the model sees it (`added_tokens` of tokenizer.json, the
/// special tokens of tokenizer_config.json), with tokenizers' matching flags.
struct AddedToken: Sendable, Equatable {
    var content: String
    var id: Int
    var special: Bool
    /// Matched in the normalized text (else in the raw text).
    var normalized: Bool
    /// Also takes the whitespace on its left / right.
    var leftStrip = false
    var rightStrip = false
    /// Only matches between word boundaries.
    var singleWord = false
}
