public import MergeKitYAML

/// A `tokens:` entry with its model references resolved to input indices.
public struct ResolvedTokenOverride: Sendable, Equatable {
    public var token: String
    /// Where the entry is written (its key), for errors.
    public var location: SourceLocation
    /// nil when the entry gives no `source:`.
    public var source: Source?
    public var force: Bool

    public enum Source: Sendable, Equatable {
        /// That input's row for the same token.
        case model(input: Int, location: SourceLocation)
        case zero
        /// A row of that input's embedding: the row of a token of its own vocabulary, or a row
        /// index.
        case modelToken(input: Int, token: TokenReference, location: SourceLocation)
    }

    public enum TokenReference: Sendable, Equatable {
        case content(String, location: SourceLocation)
        case row(Int, location: SourceLocation)
    }

    public init(token: String, location: SourceLocation, source: Source?, force: Bool) {
        self.token = token
        self.location = location
        self.source = source
        self.force = force
    }
}
