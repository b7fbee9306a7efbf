import Glibc
import MergeKitSafetensors

/// One run per output: a `flock` on `<out>.lock`, held for the whole run. The lock is the
/// `flock`, not the file: the kernel releases it when the holder exits, however it dies, so a
/// lock file left behind never blocks.
///
/// `apply` and `finalize` hold it exclusively, and the file holds the holder's pid, to name it.
/// The parts of a split merge (`apply --part`) hold it shared: they run together, each taking
/// exclusive locks on its own shards (`shardLockName`), while a whole run or a finalize is kept
/// out (and keeps them out). Shared holders leave the file empty and never remove it (another
/// part may still hold it); the next exclusive holder removes it.
package final class OutputLock {
    package enum Mode {
        case exclusive
        case shared
    }

    let path: String
    let mode: Mode
    private let descriptor: FileDescriptor

    private init(path: String, mode: Mode, descriptor: FileDescriptor) {
        self.path = path
        self.mode = mode
        self.descriptor = descriptor
    }

    /// Takes the lock at `path` for the output `output` (creating its folder), or fails at once,
    /// naming the process that holds it. `what` names the locked thing in that message (default:
    /// "the output '<output>'").
    package static func acquire(
        _ path: String, for output: String, mode: Mode = .exclusive, what: String? = nil
    ) throws(OutputError) -> OutputLock {
        let what = what ?? "the output '\(output)'"
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        if !folder.isEmpty, case .failure(let error) = FileSystem.makeDirectories(folder) {
            throw OutputError(.io, "cannot create the folder '\(folder)'", underlying: error)
        }
        // An exclusive holder removes the file when it is done; a file opened just before that
        // is not the one at `path` any more, so lock again until the locked file is the one at
        // `path`.
        while true {
            let descriptor: FileDescriptor
            switch FileDescriptor.open(path, flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644) {
            case .success(let opened): descriptor = opened
            case .failure(let error): throw OutputError(.io, "cannot open the lock file '\(path)'", underlying: error)
            }
            switch mode == .exclusive ? descriptor.tryLockExclusively() : descriptor.tryLockShared() {
            case .failure(let error):
                throw OutputError(.io, "cannot lock '\(path)'", underlying: error)
            case .success(false):
                let holder = holderDescription(descriptor)
                throw OutputError(.inUse, "\(what) is being written by another run (\(holder), holding the lock '\(path)'); wait for it to finish, or stop it first")
            case .success(true):
                break
            }
            guard case .success(let locked) = descriptor.status(),
                  case .success(let current) = FileStatus.of(path, followingLinks: false),
                  locked.device == current.device, locked.inode == current.inode else { continue }
            // Nothing lost: a file of that name that is not a lock file (a pid) is not ours to empty.
            guard locked.kind == .regular, locked.size == 0 || holderPID(descriptor) != nil else {
                throw OutputError(.refused, "'\(path)' exists and is not a lock file of this tool (it should hold a pid); move it away")
            }
            // A shared holder empties a pid left by an exclusive holder that died (no exclusive
            // holder can be alive now), so a refused run does not name a stale pid.
            let contents = mode == .exclusive ? Array("\(Syscall.processID)\n".utf8) : []
            if locked.size > 0 || !contents.isEmpty,
               case .failure(let error) = descriptor.truncate(to: 0).flatMap({ contents.withUnsafeBytes { descriptor.write($0, at: 0) } }) {
                throw OutputError(.io, "cannot write the lock file '\(path)'", underlying: error)
            }
            return OutputLock(path: path, mode: mode, descriptor: descriptor)
        }
    }

    /// "pid 1234" from the lock file, or what is known when it does not say.
    private static func holderDescription(_ descriptor: FileDescriptor) -> String {
        holderPID(descriptor).map { "pid \($0)" } ?? "pid unknown: the parts of a split merge (apply --part) hold it together"
    }

    /// The pid a lock file holds (digits and a newline), nil when it holds anything else.
    private static func holderPID(_ descriptor: FileDescriptor) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { (try? descriptor.read(into: $0, at: 0).get()) ?? 0 }
        guard count < bytes.count else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        let digits = text.hasSuffix("\n") ? String(text.dropLast()) : text
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let pid = Int32(digits), pid > 0 else { return nil }
        return pid
    }

    /// Releases the lock (closing the descriptor); an exclusive holder removes the file first.
    package func release() {
        if mode == .exclusive { _ = Syscall.unlink(path) }
        _ = descriptor.close()
    }
}
