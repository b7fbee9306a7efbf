/// A test checkpoint that cannot be written or read back as asked.
public struct TinyCheckpointError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
