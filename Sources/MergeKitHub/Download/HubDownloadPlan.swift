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
        try Self.checkDiskSpace([self])
    }

    /// Throws when the downloads of `plans` (of one cache) together, and `outputBytes` more
    /// written to the same disk (a merge's output), do not fit in its free space. Nothing to
    /// download always fits.
    public static func checkDiskSpace(_ plans: [HubDownloadPlan], outputBytes: Int = 0) throws(HubError) {
        let download = plans.reduce(0) { $0 + $1.bytesToDownload }
        guard download > 0, let first = plans.first else { return }
        let available = plans.map(\.availableBytes).min() ?? first.availableBytes
        if download + outputBytes > available {
            throw HubError.insufficientDiskSpace(
                needed: download, output: outputBytes, available: available, cacheDirectory: first.cacheDirectory)
        }
    }
}
