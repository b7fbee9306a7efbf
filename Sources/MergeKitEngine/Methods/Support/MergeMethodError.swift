/// A tensor whose values a method cannot merge (found while computing, not while planning):
/// names the tensor and why.
public struct MergeMethodError: Error, Sendable, CustomStringConvertible {
    public var method: String
    public var tensor: String
    public var message: String

    public init(method: String, tensor: String, _ message: String) {
        self.method = method
        self.tensor = tensor
        self.message = message
    }

    public var description: String { "\(method) cannot merge '\(tensor)': \(message)" }
}
