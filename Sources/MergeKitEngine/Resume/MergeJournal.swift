import Glibc
import MergeKitSafetensors
import Synchronization

/// The record of finished tensors kept in `<out>.partial/`, so `apply --resume` after a kill
/// computes only what is missing. JSON lines: a first line naming the plan's fingerprint, then
/// one line per tensor written (name and checksum of its bytes). A line is appended only after
/// the tensor's bytes were written; a torn last line (a kill mid-append) is ignored.
public final class MergeJournal: Sendable {
    public static let fileName = ".mergekit-journal"

    /// The journal of one part of a split merge.
    public static func partFileName(_ part: MergePart) -> String {
        "\(fileName)-part-\(part.index)-of-\(part.count)"
    }
    private static let formatVersion = 1

    /// Opened with `O_APPEND`: each line goes to the end in one `write` loop, under the lock.
    private let descriptor: Mutex<FileDescriptor>
    public let path: String

    private init(path: String, descriptor: FileDescriptor) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Starts a new journal for a plan (replacing any old one). `name` is `fileName` for a
    /// whole run; each part of a split merge keeps its own (`partFileName`).
    public static func create(in directory: String, name: String = fileName, fingerprint: UInt64) throws(OutputError) -> MergeJournal {
        let path = ModelDirectory.join(directory, name)
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW, mode: 0o644) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw OutputError(.io, "cannot create the journal '\(path)'", underlying: error)
        }
        let journal = MergeJournal(path: path, descriptor: descriptor)
        let header: JSONValue = .members([("mergekit_swift_journal", .integer(formatVersion)), ("plan", .string(hex(fingerprint)))])
        try journal.append(header)
        return journal
    }

    /// Continues an existing journal (after `load` accepted it).
    public static func reopen(in directory: String, name: String = fileName) throws(OutputError) -> MergeJournal {
        let path = ModelDirectory.join(directory, name)
        switch FileDescriptor.open(path, flags: O_WRONLY | O_APPEND | O_NOFOLLOW) {
        case .success(let descriptor): return MergeJournal(path: path, descriptor: descriptor)
        case .failure(let error): throw OutputError(.io, "cannot open the journal '\(path)'", underlying: error)
        }
    }

    /// Records that `tensor` is fully written with bytes of `checksum`.
    public func record(tensor: String, checksum: UInt64) throws(OutputError) {
        try append(.members([("tensor", .string(tensor)), ("checksum", .string(Self.hex(checksum)))]))
    }

    private func append(_ value: JSONValue) throws(OutputError) {
        let line = Array((value.serialized(pretty: false) + "\n").utf8)
        let written = descriptor.withLock { descriptor in
            line.withUnsafeBytes { descriptor.write($0) }
        }
        if case .failure(let error) = written {
            throw OutputError(.io, "cannot append to the journal '\(path)'", underlying: error)
        }
    }

    /// What an earlier run recorded: its plan fingerprint and the finished tensors' checksums.
    /// nil when there is no journal or its first line is unreadable.
    /// Tensor names are keys by their bytes (`ByteString`), as in the shard headers.
    public static func load(from directory: String, name: String = fileName) -> (fingerprint: UInt64, finished: [ByteString: UInt64])? {
        guard let data = try? FileSystem.contents(of: ModelDirectory.join(directory, name)).get() else { return nil }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = lines.first, let header = try? JSONParser.parse(first),
              header["mergekit_swift_journal"]?.intValue == formatVersion,
              let plan = header["plan"]?.stringValue, let fingerprint = UInt64(plan, radix: 16) else { return nil }
        var finished: [ByteString: UInt64] = [:]
        for line in lines.dropFirst() {
            guard let entry = try? JSONParser.parse(line), let tensor = entry["tensor"]?.stringValue,
                  let text = entry["checksum"]?.stringValue, let checksum = UInt64(text, radix: 16) else { continue }
            finished[ByteString(tensor)] = checksum
        }
        return (fingerprint, finished)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
