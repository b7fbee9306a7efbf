/// One node of a parsed YAML document. Every node keeps where it started in the source, so later
/// stages (recipe decoding, checking) can point at the exact line and column of a mistake.
public struct YAMLNode: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Keys in document order. Duplicate keys were already resolved by the parser (the later
        /// one wins, as in PyYAML) and reported in `YAMLDocument.duplicateKeys`.
        case mapping([YAMLPair])
    }

    public var kind: Kind
    public var location: SourceLocation
    /// An explicit tag such as `!!str`, or nil.
    public var tag: String?

    public init(kind: Kind, location: SourceLocation, tag: String? = nil) {
        self.kind = kind
        self.location = location
        self.tag = tag
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let value) = kind { return value }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// A short human name for the node's kind, used in "expected X, found Y" messages.
    public var kindName: String {
        switch kind {
        case .scalar(let s) where s.isNull: return "null"
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

public struct YAMLPair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

public struct YAMLScalar: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style

    public init(_ value: String, style: Style = .plain) {
        self.value = value
        self.style = style
    }

    /// YAML 1.1/1.2 core-schema null: an unquoted `~`, `null`, `Null`, `NULL` or empty value.
    public var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(value)
    }
}

/// A duplicated mapping key: the later value won; both places are kept for the warning.
public struct YAMLDuplicateKey: Sendable, Equatable {
    public var key: String
    public var first: SourceLocation
    public var duplicate: SourceLocation

    public init(key: String, first: SourceLocation, duplicate: SourceLocation) {
        self.key = key
        self.first = first
        self.duplicate = duplicate
    }
}

/// One document of a (possibly multi-document, `---` separated) YAML stream.
public struct YAMLDocument: Sendable, Equatable {
    /// nil for an empty document.
    public var root: YAMLNode?
    public var location: SourceLocation
    public var duplicateKeys: [YAMLDuplicateKey]

    public init(root: YAMLNode?, location: SourceLocation, duplicateKeys: [YAMLDuplicateKey] = []) {
        self.root = root
        self.location = location
        self.duplicateKeys = duplicateKeys
    }
}

/// A YAML syntax error, positioned where libyaml found the problem.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): error: \(message)" }
}
