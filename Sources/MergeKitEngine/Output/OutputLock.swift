import Glibc
import MergeKitSafetensors

/// One run per output: an exclusive `flock` on `<out>.lock`, held for the whole run. The lock is
/// the `flock`, not the file: the kernel releases it when the holder exits, however it dies, so a
/// lock file left behind never blocks. The file holds the holder's pid, to name it.
package final class OutputLock {
    let path: String
    private let descriptor: FileDescriptor

    private init(path: String, descriptor: FileDescriptor) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock for `output` at `path` (creating its folder), or fails at once, naming the
    /// process that holds it.
    package static func acquire(_ path: String, for output: String) throws(OutputError) -> OutputLock {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        if !folder.isEmpty, case .failure(let error) = FileSystem.makeDirectories(folder) {
            throw OutputError(.io, "cannot create the output's folder '\(folder)'", underlying: error)
        }
        // A holder removes the file when it is done; a file opened just before that is not the
        // one at `path` any more, so lock again until the locked file is the one at `path`.
        while true {
            let descriptor: FileDescriptor
            switch FileDescriptor.open(path, flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644) {
            case .success(let opened): descriptor = opened
            case .failure(let error): throw OutputError(.io, "cannot open the lock file '\(path)'", underlying: error)
            }
            switch descriptor.tryLockExclusively() {
            case .failure(let error):
                throw OutputError(.io, "cannot lock '\(path)'", underlying: error)
            case .success(false):
                let holder = holderDescription(descriptor)
                throw OutputError(.inUse, "the output '\(output)' is being written by another run (\(holder), holding the lock '\(path)'); wait for it to finish, or stop it first")
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
            let pid = Array("\(Syscall.processID)\n".utf8)
            if case .failure(let error) = descriptor.truncate(to: 0).flatMap({ pid.withUnsafeBytes { descriptor.write($0, at: 0) } }) {
                throw OutputError(.io, "cannot write the lock file '\(path)'", underlying: error)
            }
            return OutputLock(path: path, descriptor: descriptor)
        }
    }

    /// "pid 1234" from the lock file, or what is known when it does not say.
    private static func holderDescription(_ descriptor: FileDescriptor) -> String {
        holderPID(descriptor).map { "pid \($0)" } ?? "pid unknown"
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

    /// Removes the lock file, then releases the lock (closing the descriptor).
    package func release() {
        _ = Syscall.unlink(path)
        _ = descriptor.close()
    }
}
