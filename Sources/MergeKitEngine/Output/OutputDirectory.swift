import Glibc
import MergeKitRandom
import MergeKitSafetensors

/// The output model directory. It is built as `<out>.partial/` and renamed to `<out>` only when
/// every file is written and synced, so a directory named `<out>` is always complete.
///
/// Nothing lost: a run deletes only its own work directories, and only after checking that they
/// are what they look like (`checkAllowed`, `checkReplaceable`): `<out>.partial/` of an
/// interrupted run, or with `--force` an `<out>` that is a previous output of this tool or empty.
/// None of `<out>`, `<out>.partial`, `<out>.replaced` and `<out>.lock` may be, hold or lie inside
/// an input, the recipe or the current directory (compared as real paths, symbolic links resolved).
///
/// `apply` and the companion commands (`moe`, `extract-lora`) all write through this type, with
/// the same checks (`checkBeforeWriting`), the same lock (`OutputLock`) and the same rename.
///
/// The work paths are named after the output: `<out>.partial` and so on. For an output name so
/// long that `<out>.replaced` would not fit in a file name (255 bytes), they are named after a
/// short stem instead: the name's first 200 bytes, `~` and a hash of the whole name
/// (`<first bytes>~<16 hex digits>.partial`). The stem depends on the name alone, so a resumed
/// run finds the same work directory and lock, and the rules above hold for the short names.
public struct OutputDirectory: Sendable {
    /// Absolute; its folder is resolved (no symbolic links), its last component is as written.
    public let path: String
    /// `-o ""`: refused by `checkAllowed`, never taken to mean the current directory.
    private let isEmptyPath: Bool
    /// The path the work paths add their suffix to: `path`, or its shortened form.
    private let workStem: String

    public var partialPath: String { workStem + Self.partialSuffix }
    /// Where `--force` moves an existing output while the new one takes its place.
    public var displacedPath: String { workStem + Self.displacedSuffix }
    /// The file locked (`flock`) for the whole run (see `OutputLock`).
    public var lockPath: String { workStem + Self.lockSuffix }

    static let partialSuffix = ".partial"
    static let displacedSuffix = ".replaced"
    static let lockSuffix = ".lock"
    /// The longest file name Linux file systems take (`NAME_MAX`), in bytes.
    static let maximumNameBytes = 255
    /// How much of a long output name a shortened work name keeps.
    static let keptNameBytes = 200

    /// Prefix of `writeFile`'s temporary names.
    static let temporaryPrefix = ".mergekit-tmp-"
    /// The files that mark a previous output, one set per kind: a merge (`apply`), a mixture of
    /// experts (`moe`), a LoRA adapter (`extract-lora`).
    static let outputMarkers = [
        ["config.json", "mergekit_config.yml"],
        ["config.json", "mergekit_moe_config.yml"],
        ["adapter_config.json", "adapter_model.safetensors"],
    ]

    public init(path: String) {
        isEmptyPath = path.isEmpty
        var written = path
        while written.count > 1, written.hasSuffix("/") { written.removeLast() }
        let absolute = FileSystem.absolute(written.isEmpty ? "." : written)
        let slash = absolute.lastIndex(of: "/") ?? absolute.startIndex
        let name = String(absolute[absolute.index(after: slash)...])
        if name == "." || name == ".." || name.isEmpty {
            self.path = FileSystem.resolved(absolute)
        } else {
            let folder = FileSystem.resolved(slash == absolute.startIndex ? "/" : String(absolute[..<slash]))
            self.path = ModelDirectory.join(folder, name)
        }
        workStem = Self.workStem(of: self.path)
    }

    /// `path` itself when its last component leaves room for every work suffix in a file name;
    /// else the folder joined with the shortened name (see the type's comment).
    static func workStem(of path: String) -> String {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let name = String(path[path.index(after: slash)...])
        let longestSuffix = [partialSuffix, displacedSuffix, lockSuffix].map(\.utf8.count).max() ?? 0
        guard name.utf8.count + longestSuffix > maximumNameBytes else { return path }
        var kept = String.UnicodeScalarView()
        var keptBytes = 0
        for scalar in name.unicodeScalars {
            keptBytes += UTF8.width(scalar)
            guard keptBytes <= keptNameBytes else { break }
            kept.append(scalar)
        }
        let hash = String(FNV1a64.hash(name), radix: 16)
        let stem = String(kept) + "~" + String(repeating: "0", count: 16 - hash.count) + hash
        return ModelDirectory.join(slash == path.startIndex ? "/" : String(path[..<slash]), stem)
    }

    /// The output's own name (its last path component).
    private var name: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The work paths a run creates, writes, renames or deletes.
    private var workPaths: [String] { [path, partialPath, displacedPath, lockPath] }

    /// Refuses an empty path, and any work path that is (or holds, or lies inside) an input
    /// model directory or file, the recipe file or the current directory: writing or deleting
    /// there would destroy what the run reads (and truncating a mapped file corrupts it). Also
    /// refuses an existing `<out>` without `force` (or one `force` may not replace), a
    /// leftover `<out>.replaced`, and work paths that are symbolic links.
    public func checkAllowed(inputDirectories: [String], inputFiles: [String], recipe: String?, force: Bool) throws(OutputError) {
        guard !isEmptyPath else {
            throw OutputError(.refused, "the output path is empty; pass -o with the directory to write")
        }
        guard name.utf8.count <= Self.maximumNameBytes else {
            throw OutputError(.refused, "the output name '\(name)' is \(name.utf8.count) bytes long; a file name may have at most \(Self.maximumNameBytes)")
        }
        // Inputs may be neither inside nor around a work path; the recipe and the current
        // directory only not inside one (an output inside the current directory is normal).
        var protected: [(path: String, what: String, mayContainWork: Bool)] = []
        for input in inputDirectories { protected.append((FileSystem.resolved(input), "the input model directory '\(input)'", false)) }
        for input in inputFiles { protected.append((FileSystem.resolved(input), "the input file '\(input)'", false)) }
        if let recipe { protected.append((FileSystem.resolved(recipe), "the recipe '\(recipe)'", true)) }
        if case .success(let current) = Syscall.currentDirectory() {
            protected.append((FileSystem.resolved(current), "the current directory '\(current)'", true))
        }
        for work in workPaths {
            for item in protected {
                if work == item.path {
                    throw OutputError(.refused, "refusing to use '\(work)' for the output: it is \(item.what)")
                }
                if FileSystem.isSameOrInside(item.path, work) {
                    throw OutputError(.refused, "refusing to use '\(work)' for the output: it contains \(item.what)")
                }
                if !item.mayContainWork, FileSystem.isSameOrInside(work, item.path) {
                    throw OutputError(.refused, "refusing to use '\(work)' for the output: it is inside \(item.what)")
                }
            }
            if case .success(let status) = FileStatus.of(work, followingLinks: false), status.kind == .symbolicLink {
                throw OutputError(.refused, "refusing to use '\(work)' for the output: it is a symbolic link")
            }
        }
        if Self.exists(displacedPath) {
            throw OutputError(.refused, "'\(displacedPath)' exists: it may be a previous output that an interrupted --force moved aside; move or remove it first")
        }
        if Self.exists(path) {
            guard force else { throw OutputError(.refused, "the output '\(path)' already exists; pass --force to replace it") }
            try checkReplaceable(path, as: "the output")
        }
    }

    /// The checks a command makes before it writes anything, and again once it holds the lock:
    /// `checkAllowed`; then an interrupted run's `<out>.partial/` is continued only with
    /// `resume` (nil: the command cannot resume) and started over only with `force`, and only if
    /// it is recognisably a work directory; a fresh output needs `bytesNeeded` of free space.
    package func checkBeforeWriting(
        inputDirectories: [String], inputFiles: [String], recipe: String?, force: Bool, resume: Bool?, bytesNeeded: Int
    ) throws(OutputError) {
        try checkAllowed(inputDirectories: inputDirectories, inputFiles: inputFiles, recipe: recipe, force: force)
        if partialExists {
            if resume != true, !force {
                let continuing = resume == nil ? "" : "pass --resume to continue it, or "
                throw OutputError(.refused, "'\(partialPath)' holds an interrupted run; \(continuing)pass --force to start over")
            }
            try checkReplaceable(partialPath, as: "the work directory")
        } else {
            try checkFreeSpace(needed: bytesNeeded)
        }
    }

    /// Refuses to delete `directory` unless it is recognisably this tool's: a previous output
    /// (`outputMarkers`), an interrupted run's work directory (it holds the journal), or an
    /// empty directory.
    package func checkReplaceable(_ directory: String, as role: String) throws(OutputError) {
        switch Self.classify(directory) {
        case .missing, .empty, .mergeOutput, .interruptedMerge:
            return
        case .other(let kind) where kind != .directory:
            throw OutputError(.refused, "\(role) '\(directory)' is \(kind.description), not a directory; refusing to replace it")
        case .other:
            throw OutputError(.refused, "\(role) '\(directory)' is not a previous merge output (config.json with mergekit_config.yml or mergekit_moe_config.yml, or a LoRA adapter's adapter_config.json and adapter_model.safetensors) and is not empty; --force replaces only those: move it away or choose another -o")
        }
    }

    /// What an existing path is, as far as deleting it is concerned.
    enum Existing: Equatable {
        case missing, empty, mergeOutput, interruptedMerge
        case other(FileStatus.Kind)
    }

    static func classify(_ directory: String) -> Existing {
        guard case .success(let status) = FileStatus.of(directory, followingLinks: false) else { return .missing }
        guard status.kind == .directory, case .success(let names) = FileSystem.entryNames(directory) else {
            return .other(status.kind)
        }
        if names.isEmpty { return .empty }
        let isRegular = { (name: String) in
            (try? FileStatus.of(ModelDirectory.join(directory, name), followingLinks: false).get().kind) == .regular
        }
        if names.contains(where: { isWorkRecord($0) && isRegular($0) }) { return .interruptedMerge }
        if outputMarkers.contains(where: { $0.allSatisfy(isRegular) }) { return .mergeOutput }
        return .other(.directory)
    }

    /// A journal or a part manifest: a file only this tool writes into a work directory.
    static func isWorkRecord(_ name: String) -> Bool {
        name == MergeJournal.fileName || name.hasPrefix(MergeJournal.fileName + "-part-") || PartManifest.part(fromFileName: name) != nil
    }

    /// The file a part of a split merge locks while it writes the shard `fileName`.
    static func shardLockName(_ fileName: String) -> String {
        ".mergekit-lock-" + fileName
    }

    static func exists(_ path: String) -> Bool {
        if case .success = FileStatus.of(path, followingLinks: false) { return true }
        return false
    }

    package var partialExists: Bool { Self.exists(partialPath) }

    /// Creates a fresh `<out>.partial/` (a stale one from an interrupted run, checked with
    /// `checkReplaceable`, is removed first).
    package func createPartial() throws(OutputError) {
        if Self.exists(partialPath) {
            try checkReplaceable(partialPath, as: "the work directory")
            if case .failure(let error) = FileSystem.removeTree(partialPath) {
                throw OutputError(.io, "cannot remove the stale '\(partialPath)'", underlying: error)
            }
        }
        if case .failure(let error) = FileSystem.makeDirectories(partialPath) {
            throw OutputError(.io, "cannot create '\(partialPath)'", underlying: error)
        }
    }

    /// Creates `<out>.partial/` if it is missing, keeping what it holds: the parts of a split
    /// merge share it.
    func makePartial() throws(OutputError) {
        if case .failure(let error) = FileSystem.makeDirectories(partialPath) {
            throw OutputError(.io, "cannot create '\(partialPath)'", underlying: error)
        }
    }

    package func shardWriters(for layout: ShardLayout) throws(SafetensorsError) -> [ShardFileWriter] {
        var writers: [ShardFileWriter] = []
        for shard in layout.shards {
            writers.append(try ShardFileWriter(path: partialFile(shard.fileName), plan: shard))
        }
        return writers
    }

    /// Reopens the shards of an interrupted run; a shard that is missing is created anew.
    package func resumedShardWriters(for layout: ShardLayout) throws(SafetensorsError) -> [ShardFileWriter] {
        var writers: [ShardFileWriter] = []
        for shard in layout.shards {
            let path = partialFile(shard.fileName)
            writers.append(Self.exists(path)
                ? try ShardFileWriter(resuming: path, plan: shard) : try ShardFileWriter(path: path, plan: shard))
        }
        return writers
    }

    /// Fails early, before any work, when the output's file system cannot hold `needed` bytes.
    public func checkFreeSpace(needed: Int) throws(OutputError) {
        guard case .success(let (folder, available)) = FileSystem.availableBytes(onFileSystemOf: path) else { return }
        if available < needed {
            throw OutputError(.io, "not enough free space for the output: it needs \(ByteFormatting.format(needed)), and the file system of '\(folder)' has \(ByteFormatting.format(available)) available")
        }
    }

    package func removeFile(_ name: String) throws(OutputError) {
        let file = partialFile(name)
        if case .failure(let error) = Syscall.unlink(file), error.code != ENOENT {
            throw OutputError(.io, "cannot remove '\(file)'", underlying: error)
        }
    }

    /// Removes temporary files a killed run left behind (`writeFile`'s), so none is published.
    package func removeTemporaryFiles() throws(OutputError) {
        guard case .success(let names) = FileSystem.entryNames(partialPath) else { return }
        for name in names where name.hasPrefix(Self.temporaryPrefix) {
            try removeFile(name)
        }
    }

    package func partialFile(_ name: String) -> String {
        ModelDirectory.join(partialPath, name)
    }

    /// Writes a small file into the partial directory: to a temporary file, synced, then renamed
    /// over `name`. Idempotent (a resumed run writes it again), and `name` is never half written.
    package func writeFile(_ name: String, _ text: String) throws(OutputError) {
        try writeFile(name, Array(text.utf8))
    }

    /// Writes `bytes` as `writeFile(_:_:)` writes text.
    func writeFile(_ name: String, _ bytes: [UInt8]) throws(OutputError) {
        try writeFile(name) { file throws(OutputError) in
            if case .failure(let error) = bytes.withUnsafeBytes({ file.descriptor.write($0, at: 0) }) {
                throw file.failure(error)
            }
        }
    }

    /// Copies the regular file `source` (symbolic links already resolved) into the partial
    /// directory as `name`, the same way as `writeFile`.
    package func copyFile(from source: String, as name: String) throws(OutputError) {
        let input: FileDescriptor
        switch FileDescriptor.open(source, flags: O_RDONLY | O_NONBLOCK | O_NOFOLLOW) {
        case .success(let opened): input = opened
        case .failure(let error): throw OutputError(.io, "cannot open '\(source)' to copy it to the output", underlying: error)
        }
        switch input.status() {
        case .success(let status) where status.kind == .regular: break
        case .success(let status): throw OutputError(.io, "'\(source)' is \(status.kind.description), not a regular file; it is not copied")
        case .failure(let error): throw OutputError(.io, "cannot read '\(source)'", underlying: error)
        }
        let blockSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        try writeFile(name) { file throws(OutputError) in
            var offset = 0
            while true {
                let count: Int
                switch input.read(into: buffer, at: offset) {
                case .success(let read): count = read
                case .failure(let error): throw OutputError(.io, "cannot read '\(source)'", underlying: error)
                }
                if count == 0 { return }
                if case .failure(let error) = file.descriptor.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), at: offset) {
                    throw file.failure(error)
                }
                offset += count
            }
        }
    }

    /// A temporary file being written, and how to report a failure on it.
    struct TemporaryFile {
        let descriptor: FileDescriptor
        let finalPath: String

        func failure(_ error: SystemError) -> OutputError {
            OutputError(.io, "cannot write '\(finalPath)'", underlying: error)
        }
    }

    private func writeFile(_ name: String, contents: (TemporaryFile) throws(OutputError) -> Void) throws(OutputError) {
        let final = partialFile(name)
        let temporary = partialFile(Self.temporaryPrefix + name)
        let descriptor: FileDescriptor
        switch FileDescriptor.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode: 0o644) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw OutputError(.io, "cannot write '\(final)'", underlying: error)
        }
        let file = TemporaryFile(descriptor: descriptor, finalPath: final)
        try contents(file)
        if case .failure(let error) = descriptor.synchronize() { throw file.failure(error) }
        if case .failure(let error) = descriptor.close() { throw file.failure(error) }
        if case .failure(let error) = Syscall.rename(temporary, to: final) { throw file.failure(error) }
    }

    /// Moves the finished `<out>.partial/` to `<out>`; with `force`, an existing `<out>` is moved
    /// to `<out>.replaced` first and deleted only once the new one is in place (if the new one
    /// cannot be moved in, the old one is moved back).
    package func commit(force: Bool) throws(OutputError) {
        if case .failure(let error) = FileSystem.synchronize(partialPath) {
            throw OutputError(.io, "cannot sync '\(partialPath)'", underlying: error)
        }
        var displaced = false
        if Self.exists(path) {
            guard force else { throw OutputError(.refused, "the output '\(path)' already exists; pass --force to replace it") }
            try checkReplaceable(path, as: "the output")
            if case .failure(let error) = Syscall.rename(path, to: displacedPath) {
                throw OutputError(.io, "cannot move the existing '\(path)' aside to '\(displacedPath)'", underlying: error)
            }
            displaced = true
        }
        if case .failure(let error) = Syscall.rename(partialPath, to: path) {
            if displaced { _ = Syscall.rename(displacedPath, to: path) }
            throw OutputError(.io, "cannot rename '\(partialPath)' to '\(path)'", underlying: error)
        }
        let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "/"
        if case .failure(let error) = FileSystem.synchronize(parent.isEmpty ? "/" : parent) {
            throw OutputError(.io, "cannot sync '\(parent)' after renaming the output into it", underlying: error)
        }
        if displaced, case .failure(let error) = FileSystem.removeTree(displacedPath) {
            throw OutputError(.io, "the new output is in place, but the old one, moved to '\(displacedPath)', cannot be removed", underlying: error)
        }
    }
}
