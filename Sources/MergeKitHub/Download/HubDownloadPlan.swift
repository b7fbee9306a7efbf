/// What downloading some files of a model would cost, known before any of it is fetched.
public struct HubDownloadPlan: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public let file: String
        /// The file's size, when the Hub announced it.
        public let size: Int?
        /// Bytes still to fetch (0 when cached; less than `size` when a partial download is
        /// resumed).
        public let bytesToDownload: Int
    }

    public let model: ResolvedHubModel
    public let items: [Item]
    /// Free bytes on the disk holding the cache.
    public let availableBytes: Int
    public let cacheDirectory: String

    public var bytesToDownload: Int { items.reduce(0) { $0 + $1.bytesToDownload } }
    public var totalBytes: Int { items.reduce(0) { $0 + ($1.size ?? 0) } }
    public var filesToDownload: [String] { items.filter { $0.bytesToDownload > 0 || $0.size == nil }.map(\.file) }

    /// Throws when the download does not fit on the disk.
    public func checkDiskSpace() throws(HubError) {
        if bytesToDownload > availableBytes {
            throw HubError.insufficientDiskSpace(needed: bytesToDownload, available: availableBytes, cacheDirectory: cacheDirectory)
        }
    }
}
