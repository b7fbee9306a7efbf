/// A LAPACK routine that reported failure (its `info` code), or a matrix too large for the
/// library's 32-bit indices.
public struct LinearAlgebraError: Error, Sendable, CustomStringConvertible {
    public var routine: String
    public var message: String

    public init(routine: String, message: String) {
        self.routine = routine
        self.message = message
    }

    public var description: String { "\(routine): \(message)" }
}
