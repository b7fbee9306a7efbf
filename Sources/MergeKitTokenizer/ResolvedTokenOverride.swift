public import MergeKitYAML

/// A `tokens:` entry with its models resolved to input indices and a `model_token` source's token
/// resolved to a row.
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
        /// Row `row` of that input's embedding (`model_token`, by token or by `token_id`).
        case modelRow(input: Int, row: Int, modelLocation: SourceLocation, rowLocation: SourceLocation)
    }

    public init(token: String, location: SourceLocation, source: Source?, force: Bool) {
        self.token = token
        self.location = location
        self.source = source
        self.force = force
    }
}
