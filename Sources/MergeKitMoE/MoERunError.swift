/// A failure while building (after the checks passed): I/O, or an interruption. The partial
/// output is kept, with a journal, for `--resume`.
public enum MoERunError: Error, Sendable, CustomStringConvertible {
    case io(String)
    case interrupted(signal: Int32, finished: Int, total: Int, partialPath: String)

    public var description: String {
        switch self {
        case .io(let message): return message
        case .interrupted(let signal, let finished, let total, let partialPath):
            let name = signal == 2 ? "SIGINT" : signal == 15 ? "SIGTERM" : "signal \(signal)"
            return "interrupted by \(name) after \(finished) of \(total) tensors; the finished ones are kept in '\(partialPath)': run the same command with --resume to continue"
        }
    }
}
