/// The tokenization algorithm of a tokenizer.json (`model.type`), which decides how its
/// vocabulary is stored.
public enum TokenizerModelKind: String, Sendable, Equatable, CaseIterable {
    /// `vocab` maps tokens to ids; `merges` lists the pair merges.
    case bpe = "BPE"
    /// `vocab` maps tokens to ids.
    case wordPiece = "WordPiece"
    /// `vocab` maps tokens to ids.
    case wordLevel = "WordLevel"
    /// `vocab` is a list of `[piece, score]`; a piece's id is its position.
    case unigram = "Unigram"
}
