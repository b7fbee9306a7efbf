/// `chat_template:`: one of mergekit's built-in templates by name, `auto` (the template most of
/// the input models share) or a Jinja template written inline.
public enum ChatTemplateSetting: Sendable, Equatable {
    case auto
    case builtin(BuiltinChatTemplate)
    case inline(String)

    /// mergekit's rule for telling a name from a template: a built-in name is short, on one line
    /// and has no `{`; anything else must look like Jinja (at least 20 characters with a `{`).
    /// nil when `text` is neither (an unknown name).
    public init?(recipeText text: String) {
        if text == "auto" {
            self = .auto
        } else if let builtin = BuiltinChatTemplate(rawValue: text) {
            self = .builtin(builtin)
        } else if text.count >= 20, text.contains("{") {
            self = .inline(text)
        } else {
            return nil
        }
    }
}

/// The chat templates mergekit ships, by the name a recipe uses. Their text lives with the
/// tokenizer code (`MergeKitTokenizer`).
public enum BuiltinChatTemplate: String, Sendable, Equatable, CaseIterable {
    case alpaca, chatml, exaone, llama3, mistral
}
