public import MergeKitYAML

/// How the output vocabulary is made: `tokenizer_source: X`, or the `tokenizer:` block with its
/// per-token embedding overrides and padding (mergekit's two spellings; a bare
/// `tokenizer_source` is a block with only `source`).
public struct TokenizerSettings: Sendable, Equatable {
    public var source: Located<Source>
    /// `tokens:` in the order written. Each named token is also added to the vocabulary when the
    /// chosen source lacks it.
    public var tokens: [TokenOverride]
    /// `pad_to_multiple_of:`: the embedding rows (and config `vocab_size`) are rounded up to a
    /// multiple of it. Never 0 (mergekit treats 0 as absent, so does the decoder).
    public var padToMultipleOf: Located<Int>?

    public init(source: Located<Source>, tokens: [TokenOverride] = [], padToMultipleOf: Located<Int>? = nil) {
        self.source = source
        self.tokens = tokens
        self.padToMultipleOf = padToMultipleOf
    }

    public enum Source: Sendable, Equatable {
        /// The base model's tokenizer (tokens its embedding has no row for are removed).
        case base
        /// The base model's tokenizer plus every token of the other models.
        case union
        /// This model's tokenizer (a model reference as written).
        case model(String)

        /// The YAML spelling.
        public var text: String {
            switch self {
            case .base: return "base"
            case .union: return "union"
            case .model(let reference): return reference
            }
        }
    }
}

/// One entry of `tokenizer: tokens:`: where the embedding row of `token` comes from.
public struct TokenOverride: Sendable, Equatable {
    /// The token as written (the mapping key).
    public var token: Located<String>
    /// nil when no `source:` is given: then every model must have the token.
    public var source: TokenEmbeddingSource?
    /// `force: true` uses the source's row even for models that have the token themselves.
    public var force: Located<Bool>?

    public init(token: Located<String>, source: TokenEmbeddingSource? = nil, force: Located<Bool>? = nil) {
        self.token = token
        self.source = source
        self.force = force
    }

    public var isForced: Bool { force?.value ?? false }
}

/// The `source:` of a token override.
public enum TokenEmbeddingSource: Sendable, Equatable {
    /// `source: MODEL`: that model's row for the same token.
    case model(Located<String>)
    /// `source: {kind: zero}`: a row of zeros.
    case zero(SourceLocation)
    /// `source: {kind: model_token, model: MODEL, token: T}` or `token_id: N`: the row of another
    /// token (or of a raw row index) in that model's embedding.
    case modelToken(model: Located<String>, token: ModelTokenReference)
}

/// The token a `model_token` source points at.
public enum ModelTokenReference: Sendable, Equatable {
    /// `token: T`, looked up in the model's own vocabulary.
    case content(Located<String>)
    /// `token_id: N`, a row index in the model's embedding.
    case id(Located<Int>)
}
