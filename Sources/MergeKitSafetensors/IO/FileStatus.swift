import Glibc

/// What `stat` says about a file: its type, its identity on disk (device and inode) and the
/// size and change times that tell whether its content may have changed.
package struct FileStatus: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, characterDevice, blockDevice, socket, unknown

        /// "a FIFO", "a directory", … for messages.
        package var description: String {
            switch self {
            case .regular: "a regular file"
            case .directory: "a directory"
            case .symbolicLink: "a symbolic link"
            case .fifo: "a FIFO (named pipe)"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .socket: "a socket"
            case .unknown: "a special file"
            }
        }
    }

    package var kind: Kind
    package var device: UInt64
    package var inode: UInt64
    package var size: Int
    /// Hard links to the file: 0 once it was unlinked while still open.
    package var linkCount: Int
    /// Last content modification, in nanoseconds since the epoch (settable: `touch -r`).
    package var modificationNanoseconds: Int64
    /// Last status change, in nanoseconds since the epoch (set by the kernel on every write,
    /// rename or `touch`; cannot be set back by an ordinary user).
    package var changeNanoseconds: Int64

    package init(_ status: stat) {
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        case S_IFSOCK: kind = .socket
        default: kind = .unknown
        }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int(clamping: status.st_size)
        linkCount = Int(clamping: status.st_nlink)
        modificationNanoseconds = Int64(status.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(status.st_mtim.tv_nsec)
        changeNanoseconds = Int64(status.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(status.st_ctim.tv_nsec)
    }

    /// `stat` of `path` (following symbolic links), or `lstat` with `followingLinks: false`.
    package static func of(_ path: String, followingLinks: Bool = true) -> Result<FileStatus, SystemError> {
        Syscall.status(path, followingLinks: followingLinks).map(FileStatus.init)
    }
}
