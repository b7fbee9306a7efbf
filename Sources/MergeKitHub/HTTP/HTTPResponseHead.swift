import Foundation

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
