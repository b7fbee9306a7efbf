/// A lock file that cannot be read: the file, where in it (`inputs[1].files[0].size`), and why.
public struct RecipeLockError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let path: String
    public let message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path) \(message)"
    }
}
