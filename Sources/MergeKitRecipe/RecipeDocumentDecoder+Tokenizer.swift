internal import MergeKitYAML

/// `tokenizer_source:`, the `tokenizer:` block and `chat_template:`. Token and model names are
/// not checked here: only the engine has the models' vocabularies.
extension RecipeDocumentDecoder {
    /// `tokenizer_source: X` or `tokenizer: {source: X, tokens: ..., pad_to_multiple_of: N}`.
    mutating func decodeTokenizer(_ keys: [String: YAMLPair]) -> TokenizerSettings? {
        let direct = keys[RecipeKey.tokenizerSource].flatMap(nonNull)
        let section = keys[RecipeKey.tokenizer].flatMap(nonNull)
        if let direct, let section {
            let later = direct.key.location < section.key.location ? section : direct
            error("recipe has both 'tokenizer_source' and 'tokenizer'; use only one", at: later.key.location)
            return nil
        }
        if let direct {
            return decodeTokenizerSource(direct).map { TokenizerSettings(source: $0) }
        }
        guard let section else { return nil }
        guard let pairs = section.value.mapping else {
            error("'tokenizer' must be a mapping such as {source: union}; found \(section.value.kindName)",
                  at: section.value.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.tokenizerSection, context: "tokenizer")
        let source: Located<TokenizerSettings.Source>?
        if let pair = keys[RecipeKey.source].flatMap(nonNull) {
            source = decodeTokenizerSource(pair)
        } else {
            source = Located(.union, at: section.value.location)
        }
        let tokens = keys[RecipeKey.tokens].flatMap(nonNull).map { decodeTokenOverrides($0.value) } ?? []
        let padding = keys[RecipeKey.padToMultipleOf].flatMap(nonNull).flatMap { decodePadding($0.value) }
        guard let source else { return nil }
        return TokenizerSettings(source: source, tokens: tokens, padToMultipleOf: padding)
    }

    /// `base`, `union` or a model reference.
    private mutating func decodeTokenizerSource(_ pair: YAMLPair) -> Located<TokenizerSettings.Source>? {
        guard let text = optionalString(pair) else { return nil }
        switch text.value {
        case RecipeKey.baseTokenizer: return Located(.base, at: text.location)
        case RecipeKey.unionTokenizer: return Located(.union, at: text.location)
        default: return Located(.model(text.value), at: text.location)
        }
    }

    private mutating func decodePadding(_ node: YAMLNode) -> Located<Int>? {
        guard let value = node.scalar?.integerValue, value >= 0 else {
            error("'pad_to_multiple_of' must be a positive integer such as 64; found \(describe(node))",
                  at: node.location)
            return nil
        }
        return value == 0 ? nil : Located(value, at: node.location)
    }

    // MARK: tokens

    /// `tokens: {TOKEN: {source: ..., force: ...}, ...}`, in the order written.
    private mutating func decodeTokenOverrides(_ node: YAMLNode) -> [TokenOverride] {
        guard let pairs = node.mapping else {
            error("'tokens' must be a mapping from tokens to {source, force}; found \(node.kindName)",
                  at: node.location)
            return []
        }
        var overrides: [TokenOverride] = []
        for pair in pairs {
            guard let token = pair.key.scalar else {
                error("a token in 'tokens' must be a string; found \(pair.key.kindName)", at: pair.key.location)
                continue
            }
            if let override = decodeTokenOverride(Located(token.value, at: pair.key.location), pair.value) {
                overrides.append(override)
            }
        }
        return overrides
    }

    private mutating func decodeTokenOverride(_ token: Located<String>, _ node: YAMLNode) -> TokenOverride? {
        guard let pairs = node.mapping else {
            error("token '\(token.value)' needs a mapping such as {source: MODEL, force: true}; found \(describe(node))",
                  at: node.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.tokenOverride, context: "token '\(token.value)'")
        var failed = false
        var source: TokenEmbeddingSource?
        if let pair = keys[RecipeKey.source].flatMap(nonNull) {
            source = decodeEmbeddingSource(pair.value, token: token.value)
            failed = source == nil
        }
        var force: Located<Bool>?
        if let pair = keys[RecipeKey.force].flatMap(nonNull) {
            if let value = pair.value.scalar?.boolValue {
                force = Located(value, at: pair.value.location)
            } else {
                error("'force' must be true or false; found \(describe(pair.value))", at: pair.value.location)
                failed = true
            }
        }
        return failed ? nil : TokenOverride(token: token, source: source, force: force)
    }

    /// `MODEL`, `{kind: zero}` or `{kind: model_token, model: MODEL, token: T | token_id: N}`.
    private mutating func decodeEmbeddingSource(_ node: YAMLNode, token: String) -> TokenEmbeddingSource? {
        if let scalar = node.scalar {
            return .model(Located(scalar.value, at: node.location))
        }
        let kinds = [RecipeKey.zeroKind, RecipeKey.modelTokenKind]
        guard let pairs = node.mapping else {
            error("the source of token '\(token)' must be a model or a mapping with 'kind' "
                  + "(\(kinds.joined(separator: " or "))); found \(node.kindName)", at: node.location)
            return nil
        }
        let kindPair = pairs.first { keyText($0) == RecipeKey.kind }
        guard let kindPair, let kind = kindPair.value.scalar, !kind.isNull else {
            error("the source of token '\(token)' needs 'kind: \(RecipeKey.zeroKind)' or 'kind: \(RecipeKey.modelTokenKind)'",
                  at: node.location)
            return nil
        }
        switch kind.value {
        case RecipeKey.zeroKind:
            _ = knownPairs(pairs, known: RecipeKey.zeroEmbedding, context: "a zero source")
            return .zero(kindPair.value.location)
        case RecipeKey.modelTokenKind:
            return decodeModelToken(pairs, owner: node)
        default:
            var message = "unknown source kind '\(kind.value)' for token '\(token)'; expected \(kinds.joined(separator: " or "))"
            if let suggestion = closestMatch(to: kind.value, among: kinds) {
                message += "; did you mean '\(suggestion)'?"
            }
            error(message, at: kindPair.value.location)
            return nil
        }
    }

    private mutating func decodeModelToken(_ pairs: [YAMLPair], owner: YAMLNode) -> TokenEmbeddingSource? {
        let keys = knownPairs(pairs, known: RecipeKey.modelTokenEmbedding, context: "a model_token source")
        let model = requiredString(RecipeKey.model, in: keys, of: owner, context: "a model_token source")
        let content = keys[RecipeKey.token].flatMap(nonNull)
        let identifier = keys[RecipeKey.tokenID].flatMap(nonNull)
        let reference: ModelTokenReference?
        switch (content, identifier) {
        case (.some, .some(let identifier)):
            error("a model_token source takes 'token' or 'token_id', not both", at: identifier.key.location)
            reference = nil
        case (nil, nil):
            error("a model_token source needs 'token' (a token of the model) or 'token_id' (a row of its embedding)",
                  at: owner.location)
            reference = nil
        case (let content?, nil):
            reference = optionalString(content).map(ModelTokenReference.content)
        case (nil, let identifier?):
            if let value = identifier.value.scalar?.integerValue, value >= 0 {
                reference = .id(Located(value, at: identifier.value.location))
            } else {
                error("'token_id' must be a non-negative integer; found \(describe(identifier.value))",
                      at: identifier.value.location)
                reference = nil
            }
        }
        guard let model, let reference else { return nil }
        return .modelToken(model: model, token: reference)
    }

    // MARK: chat_template

    /// A built-in name, `auto` or inline Jinja; empty means none, as in mergekit.
    mutating func decodeChatTemplate(_ node: YAMLNode) -> Located<ChatTemplateSetting>? {
        guard let scalar = node.scalar else {
            error("'chat_template' must be a template name or a Jinja template; found \(node.kindName)",
                  at: node.location)
            return nil
        }
        guard !scalar.isNull, !scalar.value.isEmpty else { return nil }
        if let setting = ChatTemplateSetting(recipeText: scalar.value) {
            return Located(setting, at: node.location)
        }
        let names = ["auto"] + BuiltinChatTemplate.allCases.map(\.rawValue)
        var message = "unknown chat template '\(scalar.value)'; expected auto, "
            + BuiltinChatTemplate.allCases.map(\.rawValue).joined(separator: ", ")
            + " or a Jinja template (at least 20 characters, with '{')"
        if let suggestion = closestMatch(to: scalar.value, among: names) {
            message += "; did you mean '\(suggestion)'?"
        }
        error(message, at: node.location)
        return nil
    }
}
