import Foundation
import Glibc
import MergeKitRecipe
import MergeKitSafetensors

/// Brings one file of one commit into the cache: under the blob's lock, into
/// `blobs/<etag>.incomplete` (resumed from whatever an earlier run left), checked against the
/// announced size and, for LFS files, the sha256 the blob is named by; then renamed to
/// `blobs/<etag>` and linked from `snapshots/<commit>/<file>`.
///
/// Dropped connections and 5xx answers are retried with backoff, resuming with `Range`; a
/// retry that brings new bytes resets the count. A hash mismatch empties the file and starts
/// over, up to `integrityAttempts` times.
struct BlobDownloader: Sendable {
    let client: HubClient
    let cache: HubCache
    static let integrityAttempts = 3

    /// Downloads (or finds) `file` and returns its snapshot path.
    func fetch(
        _ file: String, of repo: HubRepoID, metadata: HubFileMetadata, progress: DownloadProgress
    ) async throws(HubError) -> String {
        let folder = cache.repository(repo)
        let blob = folder.blobPath(etag: metadata.etag)
        if !Self.exists(blob) {
            let lock = try await BlobLock.acquire(folder.lockPath(etag: metadata.etag)) { waited in
                progress.note("\(repo)/\(file): waiting for another process that is downloading it (\(DownloadProgress.describe(seconds: DownloadProgress.seconds(waited))))")
            }
            defer { withExtendedLifetime(lock) {} }
            if !Self.exists(blob) {
                try await download(file, of: repo, metadata: metadata, into: folder, progress: progress)
            }
        }
        try folder.linkSnapshot(commit: metadata.commit, file: file, toBlob: metadata.etag)
        return folder.snapshotPath(commit: metadata.commit, file: file)
    }

    private func download(
        _ file: String, of repo: HubRepoID, metadata: HubFileMetadata, into folder: HubCacheRepository, progress: DownloadProgress
    ) async throws(HubError) {
        let incomplete = folder.incompletePath(etag: metadata.etag)
        try HubCacheRepository.createDirectory((incomplete as NSString).deletingLastPathComponent)
        cache.tagForBackupTools()
        let descriptor: FileDescriptor
        switch FileDescriptor.open(incomplete, flags: O_RDWR | O_CREAT, mode: 0o644) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw HubError.cache(path: incomplete, error)
        }

        let receiver = try resumeState(descriptor, path: incomplete, expectedSize: metadata.size, progress: progress)
        var integrityFailures = 0
        var failuresWithoutProgress = 0
        // Where the ranges are asked: the address the Hub redirected to (for LFS files a signed
        // CDN URL, valid for a while). Refused later in a long download, it is asked again.
        var source = metadata.downloadURL
        var lengthAtRefresh: Int?
        while true {
            let before = receiver.length
            let end = chunkEnd(from: receiver.length, size: metadata.size)
            let outcome = await transfer(source, into: receiver, end: end)
            if receiver.length > before { failuresWithoutProgress = 0 }
            if case .success(let head) = outcome, [401, 403, 404, 410].contains(head.status), !client.isHubHost(source),
               lengthAtRefresh != receiver.length {
                lengthAtRefresh = receiver.length
                let fresh = try await client.metadata(repo, revision: metadata.commit, file: file)
                guard fresh.etag == metadata.etag else {
                    throw HubError.unexpectedResponse(url: source.absoluteString, problem: "the file changed during its download (etag \(metadata.etag), now \(fresh.etag))")
                }
                source = fresh.downloadURL
                continue
            }
            switch outcome {
            case .failure(let error) where !Self.isRetryable(error):
                throw error
            case .failure(let error):
                failuresWithoutProgress += 1
                guard failuresWithoutProgress < client.configuration.retry.attempts else { throw error }
                progress.note("\(repo)/\(file): \(Self.reason(error)); retrying from byte \(receiver.length)")
                try await client.pause(beforeRetry: failuresWithoutProgress)
                continue
            case .success(let head) where !(200..<300).contains(head.status):
                if head.status == 416 && metadata.size == receiver.length { break }
                if head.status == 416 {
                    try receiver.restart()
                    continue
                }
                let error = client.classify(head, body: receiver.otherBody, repo: repo, revision: metadata.commit, file: file)
                guard Self.isRetryable(error) else { throw error }
                failuresWithoutProgress += 1
                guard failuresWithoutProgress < client.configuration.retry.attempts else { throw error }
                try await client.pause(beforeRetry: failuresWithoutProgress)
                continue
            case .success:
                break
            }
            if let end, receiver.length == end, end < (metadata.size ?? 0) {
                continue  // a range received whole: ask for the next one
            }
            if let size = metadata.size, receiver.length != size {
                // The connection closed early without an error: resume.
                failuresWithoutProgress += 1
                guard failuresWithoutProgress < client.configuration.retry.attempts else {
                    throw HubError.transport(url: metadata.downloadURL.absoluteString, reason: "the body ended after \(receiver.length) of \(size) bytes")
                }
                try await client.pause(beforeRetry: failuresWithoutProgress)
                continue
            }
            if let expected = metadata.sha256 {
                let actual = receiver.hasher.hexDigest()
                if actual != expected {
                    integrityFailures += 1
                    guard integrityFailures < Self.integrityAttempts else {
                        try? Self.remove(incomplete)
                        throw HubError.integrity(repo, file: file, expected: "sha256 \(expected)", actual: "sha256 \(actual)")
                    }
                    progress.note("\(repo)/\(file): sha256 \(actual) is not the announced \(expected); downloading it again")
                    try receiver.restart()
                    continue
                }
            }
            break
        }
        if case .failure(let error) = descriptor.synchronize().flatMap({ descriptor.close() }) {
            throw HubError.cache(path: incomplete, error)
        }
        if case .failure(let error) = Syscall.rename(incomplete, to: folder.blobPath(etag: metadata.etag)) {
            throw HubError.cache(path: incomplete, error)
        }
    }

    /// A receiver that continues the `.incomplete` file: its bytes so far are hashed again
    /// (the hash is of the whole file), unless there are more than announced.
    private func resumeState(
        _ descriptor: FileDescriptor, path: String, expectedSize: Int?, progress: DownloadProgress
    ) throws(HubError) -> BlobFileReceiver {
        var length: Int
        switch descriptor.status() {
        case .success(let status): length = status.size
        case .failure(let error): throw HubError.cache(path: path, error)
        }
        var hasher = SHA256()
        if let expectedSize, length > expectedSize {
            if case .failure(let error) = descriptor.truncate(to: 0) { throw HubError.cache(path: path, error) }
            length = 0
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < length {
            let read = buffer.withUnsafeMutableBytes { bytes in
                descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<min(bytes.count, length - offset)]), at: offset)
            }
            let count: Int
            switch read {
            case .success(let value): count = value
            case .failure(let error): throw HubError.cache(path: path, error)
            }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            offset += count
        }
        length = offset
        progress.add(length)
        return BlobFileReceiver(path: path, descriptor: descriptor, length: length, hasher: hasher,
                                expectedSize: expectedSize, progress: progress)
    }

    /// Where the next request's range ends (exclusive): nil (to the end of the file) when the
    /// rest fits in one chunk or the size is unknown.
    private func chunkEnd(from length: Int, size: Int?) -> Int? {
        let chunk = max(1, client.configuration.downloadChunkBytes)
        guard let size, size - length > chunk else { return nil }
        return length + chunk
    }

    /// One GET from the current length to `end` (or the end of the file), following redirects
    /// (the token only to the Hub).
    private func transfer(_ start: URL, into receiver: BlobFileReceiver, end: Int?) async -> Result<HTTPResponseHead, HubError> {
        var url = start
        for _ in 0...HubClient.maximumRedirects {
            let range: Range<Int>? = end.map { receiver.length..<$0 } ?? (receiver.length > 0 ? receiver.length..<receiver.length : nil)
            let request = HTTPRequest("GET", url, headers: client.headers(for: url, range: range))
            let head: HTTPResponseHead
            do {
                head = try await client.http.perform(request, receiver: receiver)
            } catch {
                switch error {
                case .cancelled: return .failure(.cancelled)
                case .receiver(let error): return .failure(error)
                case .transport(let reason): return .failure(.transport(url: url.absoluteString, reason: reason))
                }
            }
            guard head.isRedirect, let location = head.location else { return .success(head) }
            url = location
        }
        return .failure(.unexpectedResponse(url: start.absoluteString, problem: "more than \(HubClient.maximumRedirects) redirects"))
    }

    static func isRetryable(_ error: HubError) -> Bool {
        switch error {
        case .transport, .server: return true
        default: return false
        }
    }

    private static func reason(_ error: HubError) -> String {
        if case .transport(_, let reason) = error { return reason }
        return error.description
    }

    private static func remove(_ path: String) throws(HubError) {
        if case .failure(let error) = Syscall.unlink(path), error.code != ENOENT { throw HubError.cache(path: path, error) }
    }

    private static func exists(_ path: String) -> Bool {
        if case .success = FileStatus.of(path) { return true }
        return false
    }
}
