/// A recipe's model reference: a model, optionally with a LoRA adapter applied on the fly,
/// written mergekit's way as `model+adapter` (each side a local path or a Hub id, possibly
/// with `@revision`; resolving them is the caller's job).
public struct ModelReference: Sendable, Equatable, CustomStringConvertible {
    public let model: String
    public let adapter: String?

    public init(model: String, adapter: String? = nil) {
        self.model = model
        self.adapter = adapter
    }

    /// What is wrong with a written reference.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// More than one '+': mergekit accepts one adapter per model.
        case tooManyAdapters(String)
        /// Nothing before or after the '+'.
        case emptyPart(String)

        public var description: String {
            switch self {
            case .tooManyAdapters(let text):
                return "model reference '\(text)' has more than one '+'; write model+adapter (one adapter per model)"
            case .emptyPart(let text):
                return "model reference '\(text)' has nothing \(text.hasPrefix("+") ? "before" : "after") its '+'; write model+adapter"
            }
        }
    }

    /// Splits `text` at its '+' as mergekit does (`ModelReference.validate_string`): no '+' is a
    /// plain model, one is model+adapter, more is an error. A path that itself contains '+'
    /// must be told apart by the caller (an existing directory wins) before parsing.
    public static func parse(_ text: String) throws(ParseError) -> ModelReference {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return ModelReference(model: text)
        case 2:
            guard !parts[0].isEmpty, !parts[1].isEmpty else { throw .emptyPart(text) }
            return ModelReference(model: String(parts[0]), adapter: String(parts[1]))
        default:
            throw .tooManyAdapters(text)
        }
    }

    public var description: String {
        adapter.map { "\(model)+\($0)" } ?? model
    }
}
