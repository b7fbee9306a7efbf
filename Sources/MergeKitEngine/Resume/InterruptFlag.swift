import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT / SIGTERM into a flag the executor checks between chunks, so a merge stops
/// cleanly: written tensors stay journaled and `--resume` continues from them.
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Int32>(0)
    /// Kept alive for the process's lifetime; written once, by `install()`, before any merge.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    public init() {}

    /// The signal that stopped the run (0: none).
    public var signal: Int32 { raised.load(ordering: .relaxed) }
    public var isRaised: Bool { signal != 0 }

    /// Handles SIGINT and SIGTERM from now on (instead of the default: dying mid-write), and
    /// ignores SIGXFSZ so a file-size limit surfaces as an EFBIG write error with a message.
    public func install() {
        Glibc.signal(SIGXFSZ, SIG_IGN)
        var installed: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                raise(number)
            }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }

    public func raise(_ number: Int32) {
        raised.store(number, ordering: .relaxed)
    }
}

/// The run stopped because of a signal; the partial output and journal are kept.
public struct MergeInterrupted: Error, Sendable, CustomStringConvertible {
    public var signal: Int32
    public var finishedTensors: Int
    public var totalTensors: Int
    public var partialPath: String

    package init(signal: Int32, finishedTensors: Int, totalTensors: Int, partialPath: String) {
        self.signal = signal
        self.finishedTensors = finishedTensors
        self.totalTensors = totalTensors
        self.partialPath = partialPath
    }

    public var description: String {
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        return "interrupted by \(name) after \(finishedTensors) of \(totalTensors) tensors; the finished ones are kept in '\(partialPath)': run the same command with --resume to continue"
    }
}
