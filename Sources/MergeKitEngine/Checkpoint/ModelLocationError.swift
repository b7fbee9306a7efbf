/// A model reference that points nowhere, in words.
public struct ModelLocationError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
