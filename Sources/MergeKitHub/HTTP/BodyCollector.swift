import Foundation

/// Collects a small body in memory, refusing more than `limit` bytes.
final class BodyCollector: HTTPBodyReceiver, @unchecked Sendable {
    // Used only on the transport's serial queue, then read after the transfer completed.
    private(set) var body = Data()
    private let limit: Int
    private let url: URL

    init(limit: Int, url: URL) {
        self.limit = limit
        self.url = url
    }

    func receive(head: HTTPResponseHead) throws(HubError) {
        body.removeAll(keepingCapacity: true)
    }

    func receive(body piece: Data) throws(HubError) {
        guard body.count + piece.count <= limit else {
            throw HubError.unexpectedResponse(url: url.absoluteString, problem: "the body is larger than \(ByteFormat.describe(limit))")
        }
        body.append(piece)
    }
}
