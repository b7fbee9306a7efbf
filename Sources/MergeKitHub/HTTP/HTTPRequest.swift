import Foundation

/// One HTTP request. Redirects are never followed by the transport: the Hub client decides
/// (it must drop the token when a redirect leaves the Hub's host).
struct HTTPRequest: Sendable {
    var method: String
    var url: URL
    var headers: [String: String]

    init(_ method: String, _ url: URL, headers: [String: String] = [:]) {
        self.method = method
        self.url = url
        self.headers = headers
    }
}
