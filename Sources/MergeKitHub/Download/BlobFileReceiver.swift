import Foundation
import MergeKitSafetensors

/// Writes a download's body into the `.incomplete` file at the position the transfer resumes
/// from, hashing as it goes. A redirect's or an error's body is kept aside (for the message), a
/// 200 answer to a range request restarts the file, and a body longer than announced is
/// refused. Used only on the transport's serial queue, then read after the transfer.
final class BlobFileReceiver: HTTPBodyReceiver, @unchecked Sendable {
    let path: String
    let descriptor: FileDescriptor
    let expectedSize: Int?
    private let progress: DownloadProgress

    /// Bytes of the file that are in place and hashed.
    private(set) var length: Int
    private(set) var hasher: SHA256
    /// The status of the last response, and its body when it was not content.
    private(set) var status: Int?
    private(set) var otherBody = Data()
    private var isContent = false

    init(path: String, descriptor: FileDescriptor, length: Int, hasher: SHA256, expectedSize: Int?, progress: DownloadProgress) {
        self.path = path
        self.descriptor = descriptor
        self.length = length
        self.hasher = hasher
        self.expectedSize = expectedSize
        self.progress = progress
    }

    func receive(head: HTTPResponseHead) throws(HubError) {
        status = head.status
        otherBody.removeAll()
        switch head.status {
        case 206:
            let start = head.header("Content-Range").flatMap(Self.rangeStart)
            guard start == length else {
                throw HubError.unexpectedResponse(
                    url: head.url.absoluteString,
                    problem: "asked for bytes from \(length) but got Content-Range '\(head.header("Content-Range") ?? "")'")
            }
            isContent = true
        case 200:
            if length > 0 { try restart() }
            isContent = true
        default:
            isContent = false
        }
        if isContent, let expectedSize, let total = head.resourceLength, total != expectedSize {
            throw HubError.unexpectedResponse(
                url: head.url.absoluteString, problem: "the file is \(total) bytes, but the Hub announced \(expectedSize)")
        }
    }

    func receive(body: Data) throws(HubError) {
        guard isContent else {
            if otherBody.count < 1 << 16 { otherBody.append(body.prefix((1 << 16) - otherBody.count)) }
            return
        }
        if let expectedSize, length + body.count > expectedSize {
            throw HubError.unexpectedResponse(url: path, problem: "more bytes than the \(expectedSize) announced")
        }
        let written: Result<Void, SystemError> = body.withUnsafeBytes { bytes in
            descriptor.write(bytes, at: length).map { hasher.update(bytes) }
        }
        if case .failure(let error) = written { throw HubError.cache(path: path, error) }
        length += body.count
        progress.add(body.count)
    }

    /// Empties the file: its bytes are wrong or the server sent the whole file again.
    func restart() throws(HubError) {
        if case .failure(let error) = descriptor.truncate(to: 0) { throw HubError.cache(path: path, error) }
        progress.add(-length)
        length = 0
        hasher = SHA256()
    }

    /// `bytes 100-199/1000` → 100.
    static func rangeStart(_ header: String) -> Int? {
        guard let spec = header.split(separator: " ").last, let dash = spec.firstIndex(of: "-") else { return nil }
        return Int(spec[..<dash])
    }
}
