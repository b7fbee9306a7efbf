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

/// A response's status line and headers (names compared without case).
struct HTTPResponseHead: Sendable {
    let status: Int
    let url: URL
    private let fields: [String: String]

    init(status: Int, url: URL, headers: [String: String]) {
        self.status = status
        self.url = url
        var fields: [String: String] = [:]
        for (name, value) in headers { fields[name.lowercased()] = value }
        self.fields = fields
    }

    func header(_ name: String) -> String? {
        fields[name.lowercased()]
    }

    var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) }

    /// The redirect target, resolved against this response's URL.
    var location: URL? {
        header("Location").flatMap { URL(string: $0, relativeTo: url)?.absoluteURL }
    }

    /// The total length of the resource: from `Content-Range: bytes a-b/total` on a 206, else
    /// `Content-Length` (huggingface_hub's `_get_file_length_from_http_response`).
    var resourceLength: Int? {
        if let range = header("Content-Range"), let slash = range.lastIndex(of: "/") {
            return Int(range[range.index(after: slash)...].trimmingCharacters(in: .whitespaces))
        }
        return header("Content-Length").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// Receives a response as it arrives; the transport calls it from one serial queue.
protocol HTTPBodyReceiver: AnyObject, Sendable {
    /// The head, before any body byte. Throwing stops the transfer with that error.
    func receive(head: HTTPResponseHead) throws(HubError)
    /// The next piece of the body. Throwing stops the transfer with that error.
    func receive(body: Data) throws(HubError)
}

/// Why a request produced no complete response.
enum HTTPFailure: Error, Sendable {
    /// The connection failed, timed out or dropped (possibly after part of the body).
    case transport(String)
    /// The receiver refused the response.
    case receiver(HubError)
    case cancelled
}
