/// An environment variable whose value cannot be used.
public struct HubConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let value: String
    public let expected: String

    public var description: String { "\(variable)='\(value)' is not \(expected)" }
}
