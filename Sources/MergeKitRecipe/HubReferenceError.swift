/// A model reference that is not a valid Hub id.
public struct HubReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public var description: String { "'\(text)' is not a Hub model reference: \(reason)" }
}
