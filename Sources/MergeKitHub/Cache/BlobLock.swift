import Foundation
import Glibc
import MergeKitSafetensors

/// The lock that keeps two processes from writing the same blob: an exclusive `flock` on
/// `<cache>/.locks/models--org--name/<etag>.lock`, the file huggingface_hub's `WeakFileLock`
/// (py-filelock's `UnixFileLock`) locks, so our downloads and Python's wait for each other.
///
/// Like filelock, the lock file is created group-writable (0664) and left in place when
/// released, so every waiter locks the same inode. Waiting polls (`LOCK_NB` every 50 ms, as
/// filelock does) instead of blocking a thread of the cooperative pool.
final class BlobLock: Sendable {
    let path: String
    private let descriptor: FileDescriptor

    private init(path: String, descriptor: FileDescriptor) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock, waiting as long as another process holds it; `onWait` is called once when
    /// the lock is found held, then every `reportInterval`.
    static func acquire(
        _ path: String, reportInterval: Duration = .seconds(10), onWait: @Sendable (Duration) -> Void = { _ in }
    ) async throws(HubError) -> BlobLock {
        try HubCacheRepository.createDirectory((path as NSString).deletingLastPathComponent)
        let clock = ContinuousClock()
        let start = clock.now
        var nextReport = start
        while true {
            let descriptor = try openLockFile(path)
            switch descriptor.tryLockExclusively() {
            case .failure(let error):
                throw HubError.cache(path: path, error)
            case .success(true):
                // A holder may have removed the file before we locked it; then our lock guards
                // nothing anyone else can see, so start over on the current file.
                if isStillAtPath(descriptor, path) { return BlobLock(path: path, descriptor: descriptor) }
            case .success(false):
                if clock.now >= nextReport {
                    onWait(clock.now - start)
                    nextReport = clock.now + reportInterval
                }
                do {
                    try await Task.sleep(for: .milliseconds(50))
                } catch {
                    throw HubError.cancelled
                }
            }
        }
    }

    /// Opens the lock file, creating it group-writable (0664 whatever the umask, as filelock
    /// does for huggingface_hub) so users sharing a cache can wait on each other's locks.
    private static func openLockFile(_ path: String) throws(HubError) -> FileDescriptor {
        switch FileDescriptor.open(path, flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o664) {
        case .success(let created):
            _ = created.changeMode(0o664)
            return created
        case .failure(let error) where error.code == EEXIST:
            switch FileDescriptor.open(path, flags: O_RDWR) {
            case .success(let opened): return opened
            case .failure(let error): throw HubError.cache(path: path, error)
            }
        case .failure(let error):
            throw HubError.cache(path: path, error)
        }
    }

    private static func isStillAtPath(_ descriptor: FileDescriptor, _ path: String) -> Bool {
        guard case .success(let opened) = descriptor.status(), opened.linkCount > 0,
              case .success(let current) = FileStatus.of(path) else { return false }
        return opened.device == current.device && opened.inode == current.inode
    }

    deinit {
        // Then the descriptor's own deinit closes it.
        _ = descriptor.unlock()
    }
}
