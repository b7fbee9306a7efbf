import Foundation
import Synchronization

/// A single updating progress line on stderr (tensors done / total, bytes written, rate, ETA), shown
/// only when stderr is a terminal so logs and pipes stay clean.
public final class ProgressReporter: Sendable {
    private struct State {
        var tensors = 0
        var bytes = 0
        /// Bytes a resumed run found already written: counted as done, not in the rate.
        var skippedBytes = 0
        var lastDraw = 0.0
    }

    private let totalTensors: Int
    private let totalBytes: Int
    private let start = Date()
    private let state = Mutex(State())

    public init(totalTensors: Int, totalBytes: Int) {
        self.totalTensors = totalTensors
        self.totalBytes = totalBytes
    }

    public static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    func finished(bytes: Int) {
        let line: String? = state.withLock { state in
            state.tensors += 1
            state.bytes += bytes
            let elapsed = Date().timeIntervalSince(start)
            guard state.tensors == totalTensors || elapsed - state.lastDraw > 0.1 else { return nil }
            state.lastDraw = elapsed
            let rate = elapsed > 0 ? Double(state.bytes - state.skippedBytes) / elapsed : 0
            let eta = rate > 0 ? Self.duration(Double(max(totalBytes - state.bytes, 0)) / rate) : "?"
            return "\r\u{1B}[K[\(state.tensors)/\(totalTensors) tensors] \(ByteFormatting.format(state.bytes)) / \(ByteFormatting.format(totalBytes)), \(ByteFormatting.format(Int(rate)))/s, ETA \(eta)"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Counts tensors a resumed run kept from the interrupted one.
    public func skip(tensors: Int, bytes: Int) {
        state.withLock { state in
            state.tensors += tensors
            state.bytes += bytes
            state.skippedBytes += bytes
        }
    }

    /// "42 s" or "3 min 05 s".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min " + String(format: "%02d s", whole % 60)
    }

    /// Ends the progress line.
    public func close() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
