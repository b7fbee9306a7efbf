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
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
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
            switch HubSyscall.tryLockExclusive(descriptor) {
            case .failure(let error):
                _ = HubSyscall.close(descriptor)
                throw HubError.cache(path: path, error)
            case .success(true):
                // A holder may have removed the file before we locked it; then our lock guards
                // nothing anyone else can see, so start over on the current file.
                if isStillAtPath(descriptor, path) { return BlobLock(path: path, descriptor: descriptor) }
                _ = HubSyscall.close(descriptor)
            case .success(false):
                _ = HubSyscall.close(descriptor)
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
    private static func openLockFile(_ path: String) throws(HubError) -> Int32 {
        switch HubSyscall.open(path, flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o664) {
        case .success(let created):
            _ = HubSyscall.changeMode(created, 0o664)
            return created
        case .failure(let error) where error.code == EEXIST:
            switch HubSyscall.open(path, flags: O_RDWR) {
            case .success(let opened): return opened
            case .failure(let error): throw HubError.cache(path: path, error)
            }
        case .failure(let error):
            throw HubError.cache(path: path, error)
        }
    }

    private static func isStillAtPath(_ descriptor: Int32, _ path: String) -> Bool {
        guard case .success(let opened) = HubSyscall.fileStatus(descriptor), opened.st_nlink > 0,
              let current = HubSyscall.status(path) else { return false }
        return opened.st_dev == current.st_dev && opened.st_ino == current.st_ino
    }

    deinit {
        _ = HubSyscall.unlock(descriptor)
        _ = HubSyscall.close(descriptor)
    }
}

