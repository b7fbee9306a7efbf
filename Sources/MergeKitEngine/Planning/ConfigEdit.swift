public import MergeKitSafetensors

/// One change the planner makes to the output's config.json, with why (shown by `plan`).
public struct ConfigEdit: Sendable, Equatable {
    public var key: ConfigKeyPath
    /// The config model's value (nil: the key is added).
    public var old: JSONValue?
    public var new: JSONValue
    public var reason: String
}
