public import MergeKitSafetensors

/// A key of config.json, possibly inside nested configs: `num_hidden_layers`,
/// `text_config.num_hidden_layers`, `vision_config.depth`. Multimodal and encoder-decoder
/// models keep each part's settings in its own object, so a key is read and written where it
/// is, never copied to the top level.
public struct ConfigKeyPath: Hashable, Sendable, CustomStringConvertible {
    /// The object keys from the top level down; the last one is the key itself.
    public var components: [String]

    public init(_ components: [String]) {
        self.components = components
    }

    public var description: String { components.joined(separator: ".") }

    /// The key itself (the last component).
    public var key: String { components.last ?? "" }

    /// The path of the object that holds the key (empty: the top level).
    public var parent: [String] { Array(components.dropLast()) }

    /// The path of `key` in the same object as this one.
    public func sibling(_ key: String) -> ConfigKeyPath {
        ConfigKeyPath(parent + [key])
    }

    /// The value at this path, or nil when an object on the way or the key is missing.
    public func value(in config: JSONValue) -> JSONValue? {
        var current = config
        for component in components {
            guard let next = current[component] else { return nil }
            current = next
        }
        return current
    }

    /// `config` with the value at this path set (in place when the key exists, else appended to
    /// its object, so key order is kept). The objects on the way must exist; when one does not,
    /// `config` is returned unchanged.
    public func setting(_ value: JSONValue, in config: JSONValue) -> JSONValue {
        Self.setting(value, at: components[...], in: config)
    }

    private static func setting(_ value: JSONValue, at path: ArraySlice<String>, in node: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        if path.count == 1 { return node.objectValue == nil ? node : node.setting(first, to: value) }
        guard let child = node[first], child.objectValue != nil else { return node }
        return node.setting(first, to: setting(value, at: path.dropFirst(), in: child))
    }
}
