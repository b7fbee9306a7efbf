public import MergeKitYAML

/// The parameters written in one `parameters:` mapping, in document order.
public struct ParameterTable: Sendable {
    public var entries: [ParameterEntry]
    /// Where the `parameters:` mapping itself is (nil when absent).
    public var location: SourceLocation?

    public init(entries: [ParameterEntry] = [], location: SourceLocation? = nil) {
        self.entries = entries
        self.location = location
    }

    public subscript(name: String) -> ParameterEntry? {
        entries.last { $0.name.value == name }
    }
}

public struct ParameterEntry: Sendable {
    public var name: Located<String>
    public var value: ParameterValue

    public init(name: Located<String>, value: ParameterValue) {
        self.name = name
        self.value = value
    }
}

/// A parameter's value as written: the recipe layer does not know which parameter wants a number,
/// a boolean or a string list; the engine's resolver interprets it against the method's spec.
public indirect enum ParameterValue: Sendable {
    /// `density: 0.5`
    case scalar(Located<YAMLScalar>)
    /// `weight: [0.2, 0.8]` — interpolated over the layers of a slice (or, for a string-list
    /// parameter such as `exclude`, the list itself).
    case list([Located<YAMLScalar>], at: SourceLocation)
    /// `weight: [{filter: self_attn, value: ...}, {value: ...}]` — first matching filter wins.
    case filters([FilterEntry], at: SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(let s): return s.location
        case .list(_, let at), .filters(_, let at): return at
        }
    }
}

public struct FilterEntry: Sendable {
    /// nil (or `*`) matches every tensor.
    public var filter: Located<String>?
    /// A scalar or a list (never another filter list).
    public var value: ParameterValue
    public var location: SourceLocation

    public init(filter: Located<String>?, value: ParameterValue, location: SourceLocation) {
        self.filter = filter
        self.value = value
        self.location = location
    }
}
