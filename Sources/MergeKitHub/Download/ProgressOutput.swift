import Foundation
import Glibc

/// Where download progress goes and how often: on a terminal one line rewritten in place a few
/// times a second; otherwise (a log file, CI) one plain line every few seconds.
public struct ProgressOutput: Sendable {
    public let isTerminal: Bool
    public let interval: Duration
    let write: @Sendable (String) -> Void

    public init(isTerminal: Bool, interval: Duration, write: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.interval = interval
        self.write = write
    }

    /// Standard error, rewritten in place when it is a terminal, else a line every 5 seconds.
    public static var standardError: ProgressOutput {
        let terminal = isatty(STDERR_FILENO) == 1
        return ProgressOutput(isTerminal: terminal, interval: terminal ? .milliseconds(250) : .seconds(5)) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// Prints nothing.
    public static let silent = ProgressOutput(isTerminal: false, interval: .seconds(3600)) { _ in }
}
