/// One way an input differs from its lock file entry.
public struct LockMismatch: Sendable, Equatable, CustomStringConvertible {
    /// The model reference as the recipe writes it.
    public let reference: String
    /// The file concerned, or nil for the model as a whole (its commit).
    public let file: String?
    public let expected: String
    public let actual: String

    public var description: String { description(of: "model '\(reference)'") }

    /// The description, naming the input as `subject` (e.g. "LoRA adapter 'org/lora' of 'org/base+org/lora'").
    public func description(of subject: String) -> String {
        let what = file.map { "file '\($0)' of \(subject)" } ?? subject
        return "\(what) does not match the lock file: locked \(expected), found \(actual)"
    }
}
