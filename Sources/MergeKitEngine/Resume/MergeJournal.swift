import Foundation
import MergeKitSafetensors
import Synchronization

/// The record of finished tensors kept in `<out>.partial/`, so `apply --resume` after a kill
/// computes only what is missing. JSON lines: a first line naming the plan's fingerprint, then
/// one line per tensor written (name and checksum of its bytes). A line is appended only after
/// the tensor's bytes were written; a torn last line (a kill mid-append) is ignored.
public final class MergeJournal: Sendable {
    public static let fileName = ".mergekit-journal"
    private static let formatVersion = 1

    private let descriptor: Mutex<Int32>
    public let path: String

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        descriptor.withLock { _ = close($0) }
    }

    /// Starts a new journal for a plan (replacing any old one).
    public static func create(in directory: String, fingerprint: UInt64) throws(OutputError) -> MergeJournal {
        let path = ModelDirectory.join(directory, fileName)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(.io, "cannot create the journal '\(path)': \(String(cString: strerror(errno)))") }
        let journal = MergeJournal(path: path, descriptor: descriptor)
        let header: JSONValue = .members([("mergekit_swift_journal", .integer(formatVersion)), ("plan", .string(hex(fingerprint)))])
        try journal.append(header)
        return journal
    }

    /// Continues an existing journal (after `load` accepted it).
    public static func reopen(in directory: String) throws(OutputError) -> MergeJournal {
        let path = ModelDirectory.join(directory, fileName)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw OutputError(.io, "cannot open the journal '\(path)': \(String(cString: strerror(errno)))") }
        return MergeJournal(path: path, descriptor: descriptor)
    }

    /// Records that `tensor` is fully written with bytes of `checksum`.
    public func record(tensor: String, checksum: UInt64) throws(OutputError) {
        try append(.members([("tensor", .string(tensor)), ("checksum", .string(Self.hex(checksum)))]))
    }

    private func append(_ value: JSONValue) throws(OutputError) {
        let line = Array((value.serialized(pretty: false) + "\n").utf8)
        let failure: Int32? = descriptor.withLock { fd in
            var written = 0
            while written < line.count {
                let n = line[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let failure {
            throw OutputError(.io, "cannot append to the journal '\(path)': \(String(cString: strerror(failure)))")
        }
    }

    /// What an earlier run recorded: its plan fingerprint and the finished tensors' checksums.
    /// nil when there is no journal or its first line is unreadable.
    public static func load(from directory: String) -> (fingerprint: UInt64, finished: [String: UInt64])? {
        guard let data = FileManager.default.contents(atPath: ModelDirectory.join(directory, fileName)) else { return nil }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = lines.first, let header = try? JSONParser.parse(first),
              header["mergekit_swift_journal"]?.intValue == formatVersion,
              let plan = header["plan"]?.stringValue, let fingerprint = UInt64(plan, radix: 16) else { return nil }
        var finished: [String: UInt64] = [:]
        for line in lines.dropFirst() {
            guard let entry = try? JSONParser.parse(line), let tensor = entry["tensor"]?.stringValue,
                  let text = entry["checksum"]?.stringValue, let checksum = UInt64(text, radix: 16) else { continue }
            finished[tensor] = checksum
        }
        return (fingerprint, finished)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
