import Glibc

/// File system operations made of several calls of the funnel (`Syscall`, `FileDescriptor`):
/// path resolution, creating and removing directory trees, syncing a path.
package enum FileSystem {
    /// `path` made absolute against the current directory (not resolved).
    package static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = (try? Syscall.currentDirectory().get()) ?? "/"
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// The path `path` names on disk, with every symbolic link, `.` and `..` resolved, also when
    /// its last components do not exist yet: the deepest existing ancestor is resolved
    /// (`realpath`) and the rest appended. `..` after a missing component is applied lexically.
    package static func resolved(_ path: String) -> String {
        var pending: [Substring] = []
        var existing = absolute(path)
        while true {
            if case .success(let real) = Syscall.realPath(existing) {
                var components = real.split(separator: "/")
                for component in pending.reversed() {
                    switch component {
                    case ".": continue
                    case "..": if !components.isEmpty { components.removeLast() }
                    default: components.append(component)
                    }
                }
                return "/" + components.joined(separator: "/")
            }
            guard let slash = existing.lastIndex(of: "/"), existing != "/" else { return path }
            pending.append(existing[existing.index(after: slash)...])
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
    }

    /// Whether `path` is `directory` or lies inside it (both resolved, absolute paths).
    package static func isSameOrInside(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// Creates `path` and its missing ancestors (`mkdir -p`).
    package static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Result<Void, SystemError> {
        if case .success(let status) = FileStatus.of(path), status.kind == .directory { return .success(()) }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            if case .failure(let error) = makeDirectories(String(path[..<slash]), mode: mode) { return .failure(error) }
        }
        switch Syscall.makeDirectory(path, mode: mode) {
        case .success: return .success(())
        case .failure(let error) where error.code == EEXIST:
            if case .success(let status) = FileStatus.of(path), status.kind == .directory { return .success(()) }
            return .failure(error)
        case .failure(let error): return .failure(error)
        }
    }

    /// Removes `path`: a file or symbolic link is unlinked (a link's target is never touched), a
    /// directory is emptied depth-first through descriptors (`openat` with `O_NOFOLLOW`,
    /// `unlinkat`), so a link inside it, or one swapped in meanwhile, is removed, not followed.
    package static func removeTree(_ path: String) -> Result<Void, SystemError> {
        switch FileStatus.of(path, followingLinks: false) {
        case .failure(let error): return .failure(error)
        case .success(let status) where status.kind != .directory: return Syscall.unlink(path)
        case .success: break
        }
        switch FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) {
        case .failure(let error): return .failure(error)
        case .success(let directory):
            if case .failure(let error) = removeContents(of: directory) { return .failure(error) }
        }
        return Syscall.removeDirectory(path)
    }

    private static func removeContents(of directory: FileDescriptor) -> Result<Void, SystemError> {
        let names: [[CChar]]
        switch directory.entries() {
        case .success(let found): names = found
        case .failure(let error): return .failure(error)
        }
        for name in names {
            let status: FileStatus
            switch Syscall.linkStatus(name, in: directory.rawValue) {
            case .success(let found): status = FileStatus(found)
            case .failure(let error) where error.code == ENOENT: continue
            case .failure(let error): return .failure(error)
            }
            if status.kind == .directory {
                switch directory.open(entry: name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) {
                case .success(let child):
                    if case .failure(let error) = removeContents(of: child) { return .failure(error) }
                case .failure(let error): return .failure(error)
                }
            }
            let flags = status.kind == .directory ? AT_REMOVEDIR : 0
            if case .failure(let error) = Syscall.unlink(name, in: directory.rawValue, flags: flags), error.code != ENOENT {
                return .failure(error)
            }
        }
        return .success(())
    }

    /// The whole content of the file at `path` (a symbolic link is not followed; opened
    /// non-blocking, so a FIFO reads as empty instead of waiting for a writer).
    package static func contents(of path: String) -> Result<[UInt8], SystemError> {
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_RDONLY | O_NONBLOCK | O_NOFOLLOW) {
        case .success(let opened): descriptor = opened
        case .failure(let error): return .failure(error)
        }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let read = block.withUnsafeMutableBytes { descriptor.read(into: $0, at: bytes.count) }
            switch read {
            case .success(0): return .success(bytes)
            case .success(let count): bytes += block[0..<count]
            case .failure(let error): return .failure(error)
            }
        }
    }

    /// The names in directory `path` (UTF-8; other bytes replaced).
    package static func entryNames(_ path: String) -> Result<[String], SystemError> {
        FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY).flatMap { $0.entries() }.map { names in
            names.map { name in String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
    }

    /// The nearest existing folder at or above `path` (itself when it exists; "/" at worst), so
    /// the file system a path will be created on can be asked about before it exists.
    package static func nearestExistingFolder(_ path: String) -> String {
        var folder = absolute(path)
        while folder != "/", case .failure = FileStatus.of(folder) {
            folder = folder.lastIndex(of: "/").map { $0 == folder.startIndex ? "/" : String(folder[..<$0]) } ?? "/"
        }
        return folder
    }

    /// Bytes an unprivileged process may still write on the file system holding `path` (which
    /// need not exist yet: its nearest existing folder is asked), and that folder.
    package static func availableBytes(onFileSystemOf path: String) -> Result<(folder: String, bytes: Int), SystemError> {
        let folder = nearestExistingFolder(path)
        return Syscall.fileSystemStatus(folder).map { status in
            let (bytes, overflow) = UInt64(status.f_bavail).multipliedReportingOverflow(by: UInt64(status.f_frsize))
            return (folder, overflow ? Int.max : Int(clamping: bytes))
        }
    }

    /// Flushes a file or a directory to disk (`fsync`), so a rename after it publishes durable
    /// contents, or so a rename inside a directory is itself durable.
    package static func synchronize(_ path: String) -> Result<Void, SystemError> {
        FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW).flatMap { descriptor in
            descriptor.synchronize().flatMap { descriptor.close() }
        }
    }
}
