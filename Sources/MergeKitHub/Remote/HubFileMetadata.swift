import Foundation

/// What the Hub says about one file at one revision, from a HEAD on its resolve URL (the same
/// fields as huggingface_hub's `HfFileMetadata`).
public struct HubFileMetadata: Sendable, Equatable {
    /// The commit the revision resolved to (`X-Repo-Commit`).
    public let commit: String
    /// The blob's name in the cache: `X-Linked-Etag` (an LFS file's sha256) or else `ETag` (a
    /// git blob id), without quotes or a weak marker.
    public let etag: String
    /// `X-Linked-Size`, or the response's length when the file was not redirected.
    public let size: Int?
    /// Where to GET the content: a CDN address when the Hub redirected to another host.
    public let downloadURL: URL

    /// An LFS file is named by its content's sha256, which the download is checked against.
    public var sha256: String? { Self.isSHA256(etag) ? etag : nil }

    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// huggingface_hub's `_normalize_etag`: `W/"x"` and `"x"` become `x`.
    static func normalizedETag(_ header: String?) -> String? {
        guard var text = header?.trimmingCharacters(in: .whitespaces) else { return nil }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return text.isEmpty ? nil : text
    }
}
