internal import MergeKitYAML

/// Turns recipe text into `Recipe`s by walking the YAML node tree by hand, so every value keeps
/// its position. It knows mergekit's keys but no methods: method names and parameter names are
/// checked later, in the engine.
///
/// Errors are collected, not thrown at the first: the thrown `RecipeError` holds every error and
/// warning, sorted by position. Following mergekit's leniency, unknown keys and duplicate keys are
/// warnings.
public enum RecipeDecoder {
    /// One recipe per YAML document (`---` separated); empty documents are skipped.
    public static func decode(_ text: String, file: String) throws(RecipeError) -> DecodedRecipes {
        let documents: [YAMLDocument]
        do {
            documents = try YAMLParser.parse(text, file: file)
        } catch {
            throw RecipeError([.error(error.message, at: error.location)])
        }
        return try decode(documents, source: text, file: file)
    }

    /// Like `decode(_:file:)`, for raw file bytes: invalid UTF-8 or a NUL byte is an error with
    /// its position rather than a silently replaced character.
    public static func decode(utf8 bytes: [UInt8], file: String) throws(RecipeError) -> DecodedRecipes {
        let documents: [YAMLDocument]
        do {
            documents = try YAMLParser.parse(utf8: bytes, file: file)
        } catch {
            throw RecipeError([.error(error.message, at: error.location)])
        }
        // libyaml has validated the bytes as UTF-8, so nothing is replaced here.
        return try decode(documents, source: String(decoding: bytes, as: UTF8.self), file: file)
    }

    private static func decode(
        _ documents: [YAMLDocument], source: String, file: String
    ) throws(RecipeError) -> DecodedRecipes {
        var decoder = RecipeDocumentDecoder(file: file, source: source)
        var recipes: [Recipe] = []
        for document in documents {
            decoder.reportDuplicateKeys(document.duplicateKeys)
            guard let root = document.root, !(root.scalar?.isNull ?? false) else { continue }
            if let recipe = decoder.decodeRecipe(root) {
                recipes.append(recipe)
            }
        }
        var diagnostics = decoder.diagnostics
        if recipes.isEmpty && !diagnostics.contains(where: { $0.severity == .error }) {
            diagnostics.append(.error("recipe is empty", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        diagnostics = sortedByPosition(diagnostics)
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            throw RecipeError(diagnostics)
        }
        return DecodedRecipes(recipes: recipes, warnings: diagnostics)
    }

    /// Sorted by location; diagnostics at the same place keep the order they were found in.
    private static func sortedByPosition(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
    }
}
