/// The result of decoding a recipe file that has no errors: one recipe per non-empty YAML
/// document, and the warnings found (sorted by position).
public struct DecodedRecipes: Sendable {
    public var recipes: [Recipe]
    public var warnings: [Diagnostic]

    public init(recipes: [Recipe], warnings: [Diagnostic] = []) {
        self.recipes = recipes
        self.warnings = warnings
    }
}
