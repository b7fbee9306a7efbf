import Foundation
import Glibc
import MergeKitRecipe
import MergeKitSafetensors

/// Models by Hub id, through the Hugging Face cache: the one entry point of this module.
///
/// ```
/// let store = HubModelStore(configuration: try HubConfiguration())
/// let model = try await store.resolve(try HubModelReference.parse("org/name@v1"))
/// let headers = try await store.readCheckpoint(of: model)        // validate / plan: headers only
/// let plan = try store.downloadPlan(store.checkpointFiles(of: model), of: model)
/// try plan.checkDiskSpace()
/// let folder = try await store.download(plan.filesToDownload, of: model)   // apply
/// ```
///
/// Offline (`HF_HUB_OFFLINE=1`) nothing touches the network: revisions resolve through
/// `refs/`, and a file missing from the snapshot is an error naming where it was looked for.
public final class HubModelStore: Sendable {
    public let configuration: HubConfiguration
    public let cache: HubCache
    let client: HubClient
    let progressOutput: ProgressOutput

    public init(configuration: HubConfiguration, progress: ProgressOutput = .standardError) {
        self.configuration = configuration
        cache = HubCache(root: configuration.cacheDirectory)
        client = HubClient(configuration: configuration)
        progressOutput = progress
    }

    // MARK: Resolving

    /// Pins `reference` to a commit and lists its files: through the Hub's API, or through the
    /// cache when offline (or when the Hub cannot be reached but the cache knows the revision,
    /// as huggingface_hub does).
    public func resolve(_ reference: HubModelReference) async throws(HubError) -> ResolvedHubModel {
        let revision = reference.effectiveRevision
        let folder = cache.repository(reference.repo)
        if configuration.isOffline {
            return try resolveFromCache(reference, origin: .offlineCache)
        }
        let listing: HubRevision
        do {
            listing = try await client.revision(reference.repo, revision: revision)
        } catch {
            // Like huggingface_hub: when the Hub is unreachable, a revision the cache knows is used.
            guard BlobDownloader.isRetryable(error), folder.commit(forRevision: revision) != nil else { throw error }
            return try resolveFromCache(reference, origin: .cacheAfterNetworkFailure(error.description))
        }
        try folder.recordRevision(revision, commit: listing.commit)
        return ResolvedHubModel(reference: reference, commit: listing.commit, files: listing.files, origin: .hub)
    }

    private func resolveFromCache(_ reference: HubModelReference, origin: ResolvedHubModel.Origin) throws(HubError) -> ResolvedHubModel {
        let revision = reference.effectiveRevision
        let folder = cache.repository(reference.repo)
        guard let commit = folder.commit(forRevision: revision),
              case .success(let status) = FileStatus.of(folder.snapshotFolder(commit: commit)), status.kind == .directory else {
            let place = HubModelReference.isCommitHash(revision) ? folder.snapshotFolder(commit: revision) : folder.refPath(revision)
            throw HubError.notInCache(reference.repo, revision: revision, file: nil, lookedIn: place)
        }
        let files = folder.snapshotFiles(commit: commit).map { path in
            let size = HubCacheRepository.regularFileSize(folder.snapshotPath(commit: commit, file: path))
            let blob = folder.blobName(commit: commit, file: path)
            return HubRepoFile(path: path, size: size, sha256: blob.flatMap { HubFileMetadata.isSHA256($0) ? $0 : nil }, blobID: blob)
        }
        return ResolvedHubModel(reference: reference, commit: commit, files: files, origin: origin)
    }

    // MARK: Files

    /// The cached path of `file`, or nil when it is not in the cache.
    public func cachedPath(_ file: String, of model: ResolvedHubModel) -> String? {
        cache.repository(model.repo).cachedFile(commit: model.commit, file: file)
    }

    /// What downloading `files` would cost: bytes still missing from the cache, and the disk
    /// space free for them.
    public func downloadPlan(_ files: [String], of model: ResolvedHubModel) throws(HubError) -> HubDownloadPlan {
        let folder = cache.repository(model.repo)
        var items: [HubDownloadPlan.Item] = []
        for file in files {
            let listed = model.file(file)
            if folder.cachedFile(commit: model.commit, file: file) != nil {
                items.append(.init(file: file, size: listed?.size, bytesToDownload: 0))
                continue
            }
            guard let listed else {
                throw missing(file, of: model)
            }
            let size = listed.size ?? 0
            let etag = listed.sha256 ?? listed.blobID
            let partial = etag.flatMap { HubCacheRepository.regularFileSize(folder.incompletePath(etag: $0)) } ?? 0
            let blobCached = etag.flatMap { HubCacheRepository.regularFileSize(folder.blobPath(etag: $0)) } != nil
            items.append(.init(file: file, size: listed.size, bytesToDownload: blobCached ? 0 : max(0, size - min(partial, size))))
        }
        let available: Int
        switch FileSystem.availableBytes(onFileSystemOf: cache.root) {
        case .success(let free): available = free.bytes
        case .failure(let error): throw HubError.cache(path: cache.root, error)
        }
        return HubDownloadPlan(model: model, items: items, availableBytes: available, cacheDirectory: cache.root)
    }

    /// Brings `files` of `model` into the cache (those not there yet, several at a time) and
    /// returns the snapshot folder holding them.
    @discardableResult
    public func download(_ files: [String], of model: ResolvedHubModel) async throws(HubError) -> String {
        let folder = cache.repository(model.repo)
        let missingFiles = files.filter { folder.cachedFile(commit: model.commit, file: $0) == nil }
        if !missingFiles.isEmpty {
            if configuration.isOffline || model.origin != .hub { throw missing(missingFiles[0], of: model) }
            for file in missingFiles where model.file(file) == nil {
                throw missing(file, of: model)
            }
            let total = missingFiles.reduce(0) { $0 + (model.file($1)?.size ?? 0) }
            let progress = DownloadProgress(title: "downloading \(model.repo)", totalBytes: total, output: progressOutput)
            try await fetchAll(missingFiles, of: model, progress: progress)
            progress.finish()
        }
        return folder.snapshotFolder(commit: model.commit)
    }

    /// Brings those of `files` that the commit has into the cache, quietly unless large (the
    /// small files a plan reads before the weights, such as a model's tokenizer files).
    public func fetchListed(_ files: [String], of model: ResolvedHubModel) async throws(HubError) {
        for file in files where model.file(file) != nil {
            _ = try await fetchOne(file, of: model)
        }
    }

    /// Downloads one file, quietly unless it is large; returns its path in the cache.
    func fetchOne(_ file: String, of model: ResolvedHubModel) async throws(HubError) -> String {
        if let path = cachedPath(file, of: model) { return path }
        if configuration.isOffline || model.origin != .hub || model.file(file) == nil { throw missing(file, of: model) }
        let progress = DownloadProgress(title: "downloading \(model.repo)/\(file)", totalBytes: model.file(file)?.size ?? 0,
                                        output: progressOutput)
        let path = try await fetch(file, of: model, progress: progress)
        return path
    }

    private func fetchAll(_ files: [String], of model: ResolvedHubModel, progress: DownloadProgress) async throws(HubError) {
        let limit = max(1, configuration.parallelDownloads)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                while next < files.count && next < limit {
                    let file = files[next]
                    group.addTask { _ = try await self.fetch(file, of: model, progress: progress) }
                    next += 1
                }
                while try await group.next() != nil {
                    if next < files.count {
                        let file = files[next]
                        group.addTask { _ = try await self.fetch(file, of: model, progress: progress) }
                        next += 1
                    }
                }
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.cancelled
        }
    }

    private func fetch(_ file: String, of model: ResolvedHubModel, progress: DownloadProgress) async throws(HubError) -> String {
        let metadata: HubFileMetadata
        do {
            metadata = try await client.metadata(model.repo, revision: model.commit, file: file)
        } catch {
            if case .fileNotFound = error { cache.repository(model.repo).markMissing(commit: model.commit, file: file) }
            throw error
        }
        return try await BlobDownloader(client: client, cache: cache).fetch(file, of: model.repo, metadata: metadata, progress: progress)
    }

    /// The error for a file the commit or the cache does not have.
    public func missing(_ file: String, of model: ResolvedHubModel) -> HubError {
        let path = cache.repository(model.repo).snapshotPath(commit: model.commit, file: file)
        switch model.origin {
        case .hub:
            return .fileNotFound(model.repo, revision: model.reference.effectiveRevision, file: file)
        case .offlineCache:
            return .notInCache(model.repo, revision: model.reference.effectiveRevision, file: file, lookedIn: path)
        case .cacheAfterNetworkFailure(let reason):
            return .unreachableAndNotInCache(model.repo, file: file, lookedIn: path, reason: reason)
        }
    }
}
