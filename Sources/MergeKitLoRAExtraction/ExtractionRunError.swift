/// A failure while extracting (after the checks passed): I/O, the linear algebra library, or an
/// interruption. The partial output is removed.
public enum ExtractionRunError: Error, Sendable, CustomStringConvertible {
    case io(String)
    case decomposition(module: String, message: String)
    case interrupted(signal: Int32)

    public var description: String {
        switch self {
        case .io(let message): return message
        case .decomposition(let module, let message): return "module '\(module)': the SVD failed: \(message)"
        case .interrupted(let signal): return "interrupted by signal \(signal); the partial adapter was removed"
        }
    }
}
