import Synchronization

/// Progress of one batch of downloads: bytes so far of the total, rate and time left, printed
/// at most once per `output.interval`, and a summary at the end.
final class DownloadProgress: Sendable {
    private struct State {
        var done = 0
        var lastPrint: ContinuousClock.Instant
        var printedInPlace = false
    }

    let title: String
    let totalBytes: Int
    private let output: ProgressOutput
    private let start: ContinuousClock.Instant
    private let state: Mutex<State>

    init(title: String, totalBytes: Int, output: ProgressOutput) {
        self.title = title
        self.totalBytes = totalBytes
        self.output = output
        start = ContinuousClock.now
        state = Mutex(State(lastPrint: start))
    }

    /// Counts `bytes` more (negative when a download restarts from scratch).
    func add(_ bytes: Int) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            state.done += bytes
            guard now - state.lastPrint >= output.interval else { return nil }
            state.lastPrint = now
            state.printedInPlace = output.isTerminal
            return render(done: state.done, elapsed: now - start)
        }
        guard let line else { return }
        output.write(output.isTerminal ? "\r\u{1B}[K" + line : line + "\n")
    }

    /// A message of its own (a retry, a wait for another process's lock).
    func note(_ message: String) {
        let inPlace = state.withLock { state in
            defer { state.printedInPlace = false }
            return state.printedInPlace
        }
        output.write((inPlace ? "\r\u{1B}[K" : "") + message + "\n")
    }

    /// The closing line, when anything was downloaded.
    func finish() {
        let elapsed = ContinuousClock.now - start
        let (done, inPlace) = state.withLock { ($0.done, $0.printedInPlace) }
        guard done > 0 else { return }
        let seconds = Self.seconds(elapsed)
        let rate = seconds > 0 ? Int(Double(done) / seconds) : done
        output.write((inPlace ? "\r\u{1B}[K" : "")
            + "\(title): downloaded \(ByteFormat.describe(done)) in \(Self.describe(seconds: seconds)) (\(ByteFormat.describe(rate))/s)\n")
    }

    private func render(done: Int, elapsed: Duration) -> String {
        let seconds = Self.seconds(elapsed)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var line = "\(title): \(ByteFormat.describe(done)) of \(ByteFormat.describe(totalBytes))"
        if totalBytes > 0 { line += " (\(min(100, done * 100 / totalBytes))%)" }
        line += ", \(ByteFormat.describe(Int(rate)))/s"
        if rate > 0, totalBytes > done {
            line += ", \(Self.describe(seconds: Double(totalBytes - done) / rate)) left"
        }
        return line
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func describe(seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole / 60 % 60) min"
    }
}
