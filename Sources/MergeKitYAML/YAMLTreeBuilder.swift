internal import CYaml

/// Consumes libyaml's event stream and builds one node tree per document. The loop keeps its own
/// stack of open collections instead of recursing, so deep input cannot exhaust the call stack;
/// nesting and alias expansion are bounded too, so later recursive passes are safe.
struct YAMLTreeBuilder {
    /// A finished node with what the limits need: its size after alias expansion and how many
    /// collections deep it is (a scalar is 0).
    private struct Measured {
        var node: YAMLNode
        var size: Int
        var height: Int
    }

    /// A sequence or mapping whose end event has not arrived yet.
    private struct OpenCollection {
        var location: SourceLocation
        var tag: String?
        var anchor: String?
        var size = 1
        var childHeight = 0

        mutating func absorb(_ child: Measured) {
            size = size.addingReportingOverflow(child.size).overflow ? Int.max : size + child.size
            childHeight = max(childHeight, child.height)
        }

        func finish(_ kind: YAMLNode.Kind) -> Measured {
            Measured(node: YAMLNode(kind: kind, location: location, tag: tag), size: size,
                     height: childHeight + 1)
        }
    }

    /// An open collection with what it has collected so far. It is mutated in place on the
    /// stack (`stack[top].adopt(…)`): taking a frame off the stack and pushing it back would
    /// copy its items on every append, quadratic in the length of a list or mapping.
    private struct Frame {
        var collection: OpenCollection
        /// A sequence's items, in order (unused for a mapping).
        var items: [YAMLNode] = []
        /// A mapping's pairs (nil for a sequence).
        var mapping: YAMLMappingBuilder?
        /// A mapping's key whose value has not arrived yet.
        var pendingKey: YAMLNode?

        mutating func adopt(_ child: Measured) throws(YAMLError) {
            collection.absorb(child)
            guard mapping != nil else {
                items.append(child.node)
                return
            }
            if let key = pendingKey {
                mapping?.append(key: key, value: child.node)
                pendingKey = nil
            } else {
                guard child.node.scalar != nil else {
                    throw YAMLError(location: child.node.location,
                                    message: "mapping keys must be scalars; found \(child.node.kindName)")
                }
                pendingKey = child.node
            }
        }
    }

    private let stream: YAMLEventStream
    private let maximumDepth: Int
    private let maximumNodeCount: Int

    private var documents: [YAMLDocument] = []
    private var documentLocation: SourceLocation?
    private var root: YAMLNode?
    private var duplicateKeys: [YAMLDuplicateKey] = []
    private var anchors: [String: Measured] = [:]
    /// Anchors whose collection is still open: an alias to one would make the tree infinite.
    private var openAnchors: Set<String> = []
    private var nodeCount = 0
    private var stack: [Frame] = []

    init(stream: YAMLEventStream, maximumDepth: Int, maximumNodeCount: Int) {
        self.stream = stream
        self.maximumDepth = maximumDepth
        self.maximumNodeCount = maximumNodeCount
    }

    mutating func build() throws(YAMLError) -> [YAMLDocument] {
        while true {
            let event = try stream.next()
            let location = stream.location(event.startMark)
            switch event.type {
            case YAML_STREAM_START_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                startDocument(at: location)
            case YAML_DOCUMENT_END_EVENT:
                try endDocument(at: location)
            case YAML_SCALAR_EVENT:
                try addScalar(event, at: location)
            case YAML_ALIAS_EVENT:
                try addAlias(named: event.anchor ?? "", at: location)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                try open(event, at: location)
            case YAML_SEQUENCE_END_EVENT:
                try closeSequence(at: location)
            case YAML_MAPPING_END_EVENT:
                try closeMapping(at: location)
            default:
                throw YAMLError(location: location,
                                message: "unexpected libyaml event type \(event.type.rawValue)")
            }
        }
    }

    // MARK: Documents

    private mutating func startDocument(at location: SourceLocation) {
        documentLocation = location
        root = nil
        duplicateKeys = []
        anchors = [:]
        openAnchors = []
        nodeCount = 0
        stack = []
    }

    private mutating func endDocument(at location: SourceLocation) throws(YAMLError) {
        guard let documentLocation, stack.isEmpty else {
            throw unexpected("document end", at: location)
        }
        documents.append(YAMLDocument(root: root, location: documentLocation, duplicateKeys: duplicateKeys))
        self.documentLocation = nil
    }

    // MARK: Nodes

    private mutating func addScalar(_ event: YAMLEvent, at location: SourceLocation) throws(YAMLError) {
        let scalar = YAMLScalar(event.scalarValue, style: event.scalarStyle)
        let tag = event.tag.map(Self.shortTag)
        let anchor = event.anchor
        // libyaml reports an empty document as an empty plain scalar at the root.
        if stack.isEmpty, scalar.value.isEmpty, scalar.style == .plain, tag == nil, anchor == nil {
            return
        }
        try count(1, at: location)
        let node = YAMLNode(kind: .scalar(scalar), location: location, tag: tag)
        try add(Measured(node: node, size: 1, height: 0), anchor: anchor)
    }

    /// An alias becomes a copy of the anchored node, positions included (they say where the
    /// content is written).
    private mutating func addAlias(named name: String, at location: SourceLocation) throws(YAMLError) {
        guard let target = anchors[name] else {
            if openAnchors.contains(name) {
                throw YAMLError(location: location,
                                message: "alias '*\(name)' refers to a node that contains it")
            }
            throw YAMLError(location: location,
                            message: "unknown alias '*\(name)': no anchor '&\(name)' comes before it in this document")
        }
        if target.height > maximumDepth - stack.count {
            throw tooDeep(at: location)
        }
        try count(target.size, at: location)
        try add(target, anchor: nil)
    }

    private mutating func open(_ event: YAMLEvent, at location: SourceLocation) throws(YAMLError) {
        guard stack.count < maximumDepth else { throw tooDeep(at: location) }
        try count(1, at: location)
        let anchor = event.anchor
        if let anchor { openAnchors.insert(anchor) }
        let collection = OpenCollection(location: location, tag: event.tag.map(Self.shortTag), anchor: anchor)
        let isMapping = event.type == YAML_MAPPING_START_EVENT
        stack.append(Frame(collection: collection, mapping: isMapping ? YAMLMappingBuilder() : nil))
    }

    private mutating func closeSequence(at location: SourceLocation) throws(YAMLError) {
        guard let frame = stack.popLast(), frame.mapping == nil else {
            throw unexpected("sequence end", at: location)
        }
        try add(frame.collection.finish(.sequence(frame.items)), anchor: frame.collection.anchor)
    }

    private mutating func closeMapping(at location: SourceLocation) throws(YAMLError) {
        guard let frame = stack.popLast(), let builder = frame.mapping, frame.pendingKey == nil else {
            throw unexpected("mapping end", at: location)
        }
        let pairs = try builder.finish(duplicates: &duplicateKeys)
        try add(frame.collection.finish(.mapping(pairs)), anchor: frame.collection.anchor)
    }

    /// Hands a finished node to its parent (or makes it the root) and records its anchor.
    private mutating func add(_ measured: Measured, anchor: String?) throws(YAMLError) {
        if let anchor {
            anchors[anchor] = measured
            openAnchors.remove(anchor)
        }
        guard !stack.isEmpty else {
            root = measured.node
            return
        }
        try stack[stack.count - 1].adopt(measured)
    }

    // MARK: Limits and errors

    private mutating func count(_ nodes: Int, at location: SourceLocation) throws(YAMLError) {
        guard nodes <= maximumNodeCount - nodeCount else {
            throw YAMLError(location: location,
                            message: "document has more than \(maximumNodeCount) nodes once aliases are expanded")
        }
        nodeCount += nodes
    }

    private func tooDeep(at location: SourceLocation) -> YAMLError {
        YAMLError(location: location,
                  message: "lists and mappings are nested more than \(maximumDepth) levels deep")
    }

    private func unexpected(_ what: String, at location: SourceLocation) -> YAMLError {
        YAMLError(location: location, message: "unexpected \(what) event from libyaml")
    }

    /// `tag:yaml.org,2002:str` back to `!!str`, as it is usually written.
    private static func shortTag(_ tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        return tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }
}
