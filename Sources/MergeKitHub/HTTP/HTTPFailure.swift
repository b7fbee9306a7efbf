/// Why a request produced no complete response.
enum HTTPFailure: Error, Sendable {
    /// The connection failed, timed out or dropped (possibly after part of the body).
    case transport(String)
    /// The receiver refused the response.
    case receiver(HubError)
    case cancelled
}
