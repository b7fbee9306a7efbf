public import MergeKitRecipe

/// The chat template text a `chat_template:` setting stands for (mergekit's `_set_chat_template`).
public enum ChatTemplateResolver {
    /// The built-in's text, the inline template as written, or for `auto` the template most of
    /// `tokenizers` carry (compared without surrounding whitespace, written stripped; a tie goes
    /// to the one met first, in recipe order). nil for `auto` when no input has a template: the
    /// output then keeps its source tokenizer's template.
    public static func resolve(_ setting: ChatTemplateSetting, tokenizers: [ModelTokenizer?]) -> String? {
        switch setting {
        case .builtin(let builtin):
            return builtin.text
        case .inline(let text):
            return text
        case .auto:
            var counts: [String: Int] = [:]
            var order: [String] = []
            for template in tokenizers.compactMap({ $0?.chatTemplate }) {
                let stripped = template.trimmingPythonWhitespace()
                guard !stripped.isEmpty else { continue }
                if counts[stripped] == nil { order.append(stripped) }
                counts[stripped, default: 0] += 1
            }
            var best: String?
            for template in order where best.map({ counts[template, default: 0] > counts[$0, default: 0] }) ?? true {
                best = template
            }
            return best
        }
    }
}

extension String {
    /// The string without leading and trailing whitespace, as Python's `str.strip()` sees it.
    func trimmingPythonWhitespace() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace || ("\u{1C}"..."\u{1F}").contains($0) }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
