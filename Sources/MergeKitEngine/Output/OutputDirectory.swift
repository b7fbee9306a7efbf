import Foundation
import MergeKitSafetensors

/// The output model directory. It is built as `<out>.partial/` and renamed to `<out>` only when
/// every file is written and synced, so a directory named `<out>` is always complete.
public struct OutputDirectory: Sendable {
    public let path: String
    public var partialPath: String { path + ".partial" }

    /// Tokenizer files copied from the tokenizer source model when present.
    public static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
        "vocab.json", "merges.txt", "added_tokens.json", "vocab.txt", "chat_template.jinja",
    ]

    public init(path: String) {
        let standardized = (path as NSString).standardizingPath
        self.path = standardized.hasPrefix("/") ? standardized
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(standardized)
    }

    /// Refuses an output that exists (without `force`) or that overlaps an input model directory:
    /// writing there could destroy the inputs (and truncating a mapped file corrupts it).
    public func checkAllowed(inputs: [String], force: Bool) throws(OutputError) {
        for input in inputs {
            let resolvedInput = ((input as NSString).resolvingSymlinksInPath as NSString).standardizingPath
            let resolvedOutput = ((path as NSString).resolvingSymlinksInPath as NSString).standardizingPath
            if Self.isSameOrInside(resolvedOutput, resolvedInput) {
                throw OutputError(.refused, "refusing to write the output to '\(path)': it is inside the input model directory '\(input)'")
            }
            if Self.isSameOrInside(resolvedInput, resolvedOutput) {
                throw OutputError(.refused, "refusing to write the output to '\(path)': it contains the input model directory '\(input)'")
            }
        }
        if FileManager.default.fileExists(atPath: path), !force {
            throw OutputError(.refused, "the output '\(path)' already exists; pass --force to replace it")
        }
    }

    private static func isSameOrInside(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// Creates a fresh `<out>.partial/` (a stale one from an interrupted run is removed).
    public func createPartial() throws(OutputError) {
        do {
            if FileManager.default.fileExists(atPath: partialPath) {
                try FileManager.default.removeItem(atPath: partialPath)
            }
            try FileManager.default.createDirectory(atPath: partialPath, withIntermediateDirectories: true)
        } catch {
            throw OutputError(.io, "cannot create '\(partialPath)': \(error.localizedDescription)")
        }
    }

    public func shardWriters(for layout: ShardLayout) throws(OutputError) -> [ShardFileWriter] {
        var writers: [ShardFileWriter] = []
        for shard in layout.shards {
            do {
                writers.append(try ShardFileWriter(path: partialFile(shard.fileName), plan: shard))
            } catch {
                throw OutputError(.io, "\(error)")
            }
        }
        return writers
    }

    /// Reopens the shards of an interrupted run; a shard that is missing is created anew.
    public func resumedShardWriters(for layout: ShardLayout) throws(OutputError) -> [ShardFileWriter] {
        var writers: [ShardFileWriter] = []
        for shard in layout.shards {
            let path = partialFile(shard.fileName)
            do {
                writers.append(FileManager.default.fileExists(atPath: path)
                    ? try ShardFileWriter(resuming: path, plan: shard) : try ShardFileWriter(path: path, plan: shard))
            } catch {
                throw OutputError(.io, "\(error)")
            }
        }
        return writers
    }

    /// Fails early, before any work, when the output's file system cannot hold `needed` bytes.
    public func checkFreeSpace(needed: Int) throws(OutputError) {
        var directory = (path as NSString).deletingLastPathComponent
        while !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            directory = (directory as NSString).deletingLastPathComponent
        }
        var status = statvfs()
        guard statvfs(directory.isEmpty ? "/" : directory, &status) == 0 else { return }
        let available = Int(clamping: UInt64(status.f_bavail) &* UInt64(status.f_frsize))
        if available < needed {
            throw OutputError(.io, "not enough free space for the output: it needs \(ByteFormatting.format(needed)), and the file system of '\(directory)' has \(ByteFormatting.format(available)) available")
        }
    }

    func removeFile(_ name: String) throws(OutputError) {
        let file = partialFile(name)
        guard FileManager.default.fileExists(atPath: file) else { return }
        do {
            try FileManager.default.removeItem(atPath: file)
        } catch {
            throw OutputError(.io, "cannot remove '\(file)': \(error.localizedDescription)")
        }
    }

    public func partialFile(_ name: String) -> String {
        (partialPath as NSString).appendingPathComponent(name)
    }

    /// Writes a small file into the partial directory and syncs it.
    public func writeFile(_ name: String, _ text: String) throws(OutputError) {
        let file = partialFile(name)
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
            throw OutputError(.io, "cannot write '\(file)'")
        }
        try Self.sync(file)
    }

    public func copyFile(from source: String, as name: String) throws(OutputError) {
        do {
            try FileManager.default.copyItem(atPath: source, toPath: partialFile(name))
        } catch {
            throw OutputError(.io, "cannot copy '\(source)' to the output: \(error.localizedDescription)")
        }
        try Self.sync(partialFile(name))
    }

    /// Moves the finished `<out>.partial/` to `<out>`; with `force`, an existing `<out>` is moved
    /// aside first and deleted only once the new one is in place.
    public func commit(force: Bool) throws(OutputError) {
        try Self.sync(partialPath)
        let manager = FileManager.default
        var displaced: String?
        if manager.fileExists(atPath: path) {
            guard force else { throw OutputError(.refused, "the output '\(path)' already exists; pass --force to replace it") }
            let aside = path + ".replaced-\(getpid())"
            guard rename(path, aside) == 0 else {
                throw OutputError(.io, "cannot move the existing '\(path)' aside: \(String(cString: strerror(errno)))")
            }
            displaced = aside
        }
        guard rename(partialPath, path) == 0 else {
            throw OutputError(.io, "cannot rename '\(partialPath)' to '\(path)': \(String(cString: strerror(errno)))")
        }
        try Self.sync((path as NSString).deletingLastPathComponent)
        if let displaced { try? manager.removeItem(atPath: displaced) }
    }

    /// fsync a file or directory, so a rename after it publishes durable contents.
    static func sync(_ path: String) throws(OutputError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw OutputError(.io, "cannot open '\(path)' to sync it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw OutputError(.io, "cannot sync '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}
