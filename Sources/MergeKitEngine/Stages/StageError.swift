/// A multi-stage run that cannot go on (an engine invariant broken, named in words).
public struct StageError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
