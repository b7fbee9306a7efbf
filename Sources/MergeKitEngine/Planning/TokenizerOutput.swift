public import MergeKitTokenizer

/// Which tokenizer files the output gets, decided at plan time (`VocabularyStep`) and written
/// after the tensors.
public enum TokenizerOutput: Sendable {
    /// The tokenizer files of this model (by index), copied as they are: a recipe without
    /// tokenizer settings or chat template (the base's, else the first model's).
    case copied(model: Int)
    /// Files built for the recipe's vocabulary (`tokenizer_source` / `tokenizer:`), carrying the
    /// chat template when one is set.
    case built(OutputVocabulary, chatTemplate: String?)
    /// The tokenizer of model `model` (the base, else the first model; by index), read from
    /// `location`, written again with `chatTemplate` (`chat_template` without tokenizer
    /// settings: mergekit re-saves that tokenizer with it).
    case retemplated(model: Int, location: TokenizerLocation, chatTemplate: String)
    /// No tokenizer is written, for this reason (`apply` warns in its summary line).
    case none(reason: String)

    /// The files to write into the output, as bytes, for the cases that make them; nil for
    /// `copied` (its files are copied) and `none`.
    func files() throws(TokenizerError) -> TokenizerFiles? {
        switch self {
        case .copied, .none:
            return nil
        case .built(let vocabulary, let chatTemplate):
            return try TokenizerFiles.make(for: vocabulary, chatTemplate: chatTemplate)
        case .retemplated(_, let location, let chatTemplate):
            guard let tokenizer = try location.read() else {
                throw TokenizerError(.file(location.directory ?? "the tokenizer", "has no tokenizer.json any more"))
            }
            return try TokenizerFiles.make(copying: tokenizer, chatTemplate: chatTemplate)
        }
    }

    /// The directory whose tokenizer files the written ones are made from (it may be a
    /// tokenizer source that is not merged); nil when they are made from a stage's, in memory.
    public var sourceDirectory: String? {
        switch self {
        case .built(let vocabulary, _): return vocabulary.source.isInMemory ? nil : vocabulary.source.directory
        case .retemplated(_, let location, _): return location.directory
        case .copied, .none: return nil
        }
    }

    /// The warning for the summary line when nothing is written.
    public var warning: String? {
        if case .none(let reason) = self { return "no tokenizer written: \(reason)" }
        return nil
    }
}
