import Dispatch
import Foundation
import MergeKitRecipe
import Synchronization

/// Progress of a merge on stderr: tensors done / total, bytes written, rate, ETA.
/// - On a terminal, one line redrawn in place as tensors finish (at most ten times a second).
/// - Elsewhere (CI, Slurm, nohup: a log file), a full line every `interval` seconds from a
///   timer, so a long tensor does not leave the log silent, and a last line when the merge is
///   done; no carriage returns or escape codes.
/// - With `perTensor` (`-v`), also one line per finished tensor.
public final class ProgressReporter: Sendable {
    public enum Style: Sendable, Equatable {
        /// One line redrawn in place.
        case terminal
        /// A line every `interval` seconds.
        case log(interval: Double)

        /// The style stderr calls for: a terminal, or a log line every `logInterval` seconds.
        public static func forStandardError(logInterval: Double) -> Style {
            isTerminal ? .terminal : .log(interval: logInterval)
        }
    }

    /// Whether stderr is a terminal.
    public static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// How often a log gets a line when nothing says otherwise.
    public static let defaultLogInterval = 10.0

    private struct State {
        var tensors = 0
        var bytes = 0
        /// Bytes a resumed run found already written: counted as done, not in the rate.
        var skippedBytes = 0
        var lastDraw = 0.0
    }

    private let totalTensors: Int
    private let totalBytes: Int
    private let style: Style
    private let perTensor: Bool
    private let start = Date()
    private let state = Mutex(State())
    /// The log style's timer (nil on a terminal, and once closed).
    private let timer: Mutex<(any DispatchSourceTimer)?>

    public init(totalTensors: Int, totalBytes: Int, style: Style, perTensor: Bool = false) {
        self.totalTensors = totalTensors
        self.totalBytes = totalBytes
        self.style = style
        self.perTensor = perTensor
        guard case .log(let interval) = style else {
            timer = Mutex(nil)
            return
        }
        let source = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        // Clamped to a year: any finite interval is accepted, and nanoseconds must fit an Int.
        let period = DispatchTimeInterval.nanoseconds(Int(min(max(interval, 0.001), 365 * 86_400) * 1e9))
        source.schedule(deadline: .now() + period, repeating: period)
        timer = Mutex(source)
        timer.withLock { source in
            source?.setEventHandler { [weak self] in self?.writeLogLine() }
            source?.resume()
        }
    }

    /// A reporter dropped without `close` must not leave its timer running.
    deinit {
        timer.withLock { $0?.cancel() }
    }

    func finished(_ tensor: String, bytes: Int) {
        let (status, count): (String?, Int) = state.withLock { state in
            state.tensors += 1
            state.bytes += bytes
            guard style == .terminal else { return (nil, state.tensors) }
            let elapsed = Date().timeIntervalSince(start)
            guard state.tensors == totalTensors || elapsed - state.lastDraw > 0.1 else { return (nil, state.tensors) }
            state.lastDraw = elapsed
            return (Self.status(state, totalTensors: totalTensors, totalBytes: totalBytes, elapsed: elapsed), state.tensors)
        }
        var text = ""
        if perTensor {
            let line = "tensor \(count)/\(totalTensors) \(TerminalText.escaped(tensor)): \(ByteFormatting.format(bytes))"
            text += style == .terminal ? "\r\u{1B}[K\(line)\n" : "\(line)\n"
        }
        if let status { text += "\r\u{1B}[K" + status }
        if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Counts tensors a resumed run kept from the interrupted one.
    public func skip(tensors: Int, bytes: Int) {
        state.withLock { state in
            state.tensors += tensors
            state.bytes += bytes
            state.skippedBytes += bytes
        }
    }

    private func writeLogLine(done: Bool = false) {
        var line = state.withLock { state in
            Self.status(state, totalTensors: totalTensors, totalBytes: totalBytes, elapsed: Date().timeIntervalSince(start))
        }
        if done, line.hasSuffix(", syncing") { line = line.dropLast(", syncing".count) + ", done" }
        FileHandle.standardError.write(Data("progress: \(line)\n".utf8))
    }

    /// "[12/39 tensors] 1.2 MB / 3.4 MB, 5.0 MB/s, 0.4 s elapsed, ETA 1 s"; once every tensor
    /// is written, the files are still being synced, and the line says so instead of an ETA.
    private static func status(_ state: State, totalTensors: Int, totalBytes: Int, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(state.bytes - state.skippedBytes) / elapsed : 0
        let eta = state.tensors >= totalTensors ? "syncing" : "ETA " + (rate > 0 ? duration(Double(max(totalBytes - state.bytes, 0)) / rate) : "?")
        let seconds = elapsed < 60 ? String(format: "%.1f s", elapsed) : duration(elapsed)
        return "[\(state.tensors)/\(totalTensors) tensors] \(ByteFormatting.format(state.bytes)) / \(ByteFormatting.format(totalBytes)), "
            + "\(ByteFormatting.format(Int(rate)))/s, \(seconds) elapsed, \(eta)"
    }

    /// "42 s" or "3 min 05 s".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min " + String(format: "%02d s", whole % 60)
    }

    /// Ends the progress: the terminal line is finished; a log gets its last line when the merge
    /// completed (`completed`), so every log shows the totals and the rate.
    public func close(completed: Bool) {
        timer.withLock { source in
            source?.cancel()
            source = nil
        }
        switch style {
        case .terminal: FileHandle.standardError.write(Data("\n".utf8))
        case .log: if completed { writeLogLine(done: true) }
        }
    }
}
