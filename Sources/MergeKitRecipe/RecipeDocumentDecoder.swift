internal import MergeKitYAML

/// Decodes the root mapping of one YAML document into a `Recipe`, collecting diagnostics as it
/// goes. Each decoding step reports what it found wrong and returns nil, so one bad value does
/// not hide the problems after it.
struct RecipeDocumentDecoder {
    let file: String
    let source: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, source: String) {
        self.file = file
        self.source = source
    }

    mutating func reportDuplicateKeys(_ duplicates: [YAMLDuplicateKey]) {
        for duplicate in duplicates {
            warning("duplicate key '\(duplicate.key)' overrides the one at line \(duplicate.first.line), "
                    + "column \(duplicate.first.column)", at: duplicate.duplicate)
        }
    }

    mutating func decodeRecipe(_ root: YAMLNode) -> Recipe? {
        guard let pairs = root.mapping else {
            error("a recipe must be a mapping with keys such as merge_method and models; found \(root.kindName)",
                  at: root.location)
            return nil
        }
        let keys = knownPairs(pairs, known: RecipeKey.topLevel, context: "recipe")

        let name = optionalString(keys[RecipeKey.name])
        let mergeMethod = requiredString(RecipeKey.mergeMethod, in: keys, of: root)
        let baseModel = optionalString(keys[RecipeKey.baseModel])
        let layout = decodeLayout(keys, root: root)
        let dtype = optionalString(keys[RecipeKey.dtype])
        let outDType = optionalString(keys[RecipeKey.outDType])
        let parameters = keys[RecipeKey.parameters].map { decodeParameters($0.value) } ?? ParameterTable()
        let tokenizer = decodeTokenizer(keys)
        let chatTemplate = keys[RecipeKey.chatTemplate].flatMap { decodeChatTemplate($0.value) }
        let seed = keys[RecipeKey.seed].flatMap { decodeSeed($0.value) }

        guard let mergeMethod, let layout else { return nil }
        return Recipe(
            file: file, source: source, name: name, mergeMethod: mergeMethod, baseModel: baseModel,
            layout: layout, parameters: parameters, dtype: dtype, outDType: outDType,
            tokenizer: tokenizer, chatTemplate: chatTemplate, seed: seed)
    }

    // MARK: Top-level values

    private mutating func decodeSeed(_ node: YAMLNode) -> Located<UInt64>? {
        if let scalar = node.scalar {
            if let integer = scalar.integerValue, integer >= 0 {
                return Located(UInt64(integer), at: node.location)
            }
            if let large = UInt64(scalar.value) {
                return Located(large, at: node.location)
            }
        }
        error("'seed' must be a non-negative integer; found \(describe(node))", at: node.location)
        return nil
    }

    // MARK: Strings

    /// A required string value; a missing key is reported at `owner`.
    mutating func requiredString(
        _ key: String, in keys: [String: YAMLPair], of owner: YAMLNode, context: String? = nil
    ) -> Located<String>? {
        guard let pair = keys[key] else {
            let prefix = context.map { "\($0) is missing" } ?? "missing"
            error("\(prefix) required key '\(key)'", at: owner.location)
            return nil
        }
        guard let scalar = pair.value.scalar, !scalar.isNull else {
            error("'\(key)' must be a string; found \(pair.value.kindName)", at: pair.value.location)
            return nil
        }
        return Located(scalar.value, at: pair.value.location)
    }

    /// An optional string value: absent or null gives nil, as in mergekit.
    mutating func optionalString(_ pair: YAMLPair?) -> Located<String>? {
        guard let pair, !isNull(pair.value) else { return nil }
        guard let scalar = pair.value.scalar else {
            error("'\(keyText(pair))' must be a string; found \(pair.value.kindName)", at: pair.value.location)
            return nil
        }
        return Located(scalar.value, at: pair.value.location)
    }

    // MARK: Keys

    /// The pairs of a mapping by key text; unknown keys are warned about, with a "did you mean"
    /// hint when one of the known keys is close.
    mutating func knownPairs(_ pairs: [YAMLPair], known: [String], context: String) -> [String: YAMLPair] {
        var byKey: [String: YAMLPair] = [:]
        for pair in pairs {
            let key = keyText(pair)
            if known.contains(key) {
                byKey[key] = pair
                continue
            }
            var message = "unknown key '\(key)' in \(context)"
            if let suggestion = closestMatch(to: key, among: known) {
                message += "; did you mean '\(suggestion)'?"
            }
            warning(message, at: pair.key.location)
        }
        return byKey
    }

    func keyText(_ pair: YAMLPair) -> String {
        pair.key.scalar?.value ?? ""
    }

    func isNull(_ node: YAMLNode) -> Bool {
        node.scalar?.isNull ?? false
    }

    /// The pair, unless its value is null (which mergekit treats as not given).
    func nonNull(_ pair: YAMLPair) -> YAMLPair? {
        isNull(pair.value) ? nil : pair
    }

    /// How a node looks in a "found ..." message: a scalar as written, a list of scalars in
    /// flow style, anything else by its kind.
    func describe(_ node: YAMLNode) -> String {
        switch node.kind {
        case .scalar(let scalar) where scalar.isNull:
            return "null"
        case .scalar(let scalar):
            return "'\(scalar.value)'"
        case .sequence(let items):
            let values = items.compactMap { $0.scalar?.value }
            guard values.count == items.count else { return node.kindName }
            return "[" + values.joined(separator: ", ") + "]"
        case .mapping:
            return node.kindName
        }
    }

    // MARK: Diagnostics

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(.error(message, at: location))
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(.warning(message, at: location))
    }
}
