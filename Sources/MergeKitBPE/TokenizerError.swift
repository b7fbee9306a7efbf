/// A tokenizer that cannot be read, or uses a component the prompt encoder does not implement
/// (then encoding would not match Hugging Face's, so nothing is encoded at all).
public struct TokenizerError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
