import Foundation
import Synchronization

/// A single updating progress line on stderr (tensors done / total, bytes written, rate), shown
/// only when stderr is a terminal so logs and pipes stay clean.
public final class ProgressReporter: Sendable {
    private struct State {
        var tensors = 0
        var bytes = 0
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
            let rate = elapsed > 0 ? Double(state.bytes) / elapsed : 0
            return "\r\u{1B}[K[\(state.tensors)/\(totalTensors) tensors] \(ByteFormatting.format(state.bytes)) / \(ByteFormatting.format(totalBytes)), \(ByteFormatting.format(Int(rate)))/s"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the progress line.
    public func close() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
