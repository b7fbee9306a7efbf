/// A model reference that is neither an existing local directory nor a Hub id.
public struct ModelLocatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public let written: String
    /// The local directories tried, in order.
    public let lookedIn: [String]
    /// Why `written` is not a Hub id either, or nil when it is a path that can only be local.
    public let hubProblem: HubReferenceError?

    public var description: String {
        let places = lookedIn.map { "'\($0)'" }.joined(separator: " and ")
        guard let hubProblem else {
            return "model directory '\(written)' does not exist (looked in \(places))"
        }
        return "model '\(written)' is not a local directory (looked in \(places)) and not a Hub id: \(hubProblem.reason)"
    }
}
