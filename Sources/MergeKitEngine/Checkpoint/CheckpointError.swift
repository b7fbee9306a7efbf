/// A model directory that cannot be used: names the file (and tensor, in the message) and why.
public struct CheckpointError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
