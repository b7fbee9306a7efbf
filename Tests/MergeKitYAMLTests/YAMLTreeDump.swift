import MergeKitYAML

/// A node tree as indented text, one node per line with its kind, value, tag and line:column, so
/// a test can state a whole tree, positions included, as one expected string. A mapping's keys are
/// indented by two under it and each value by two under its key.
func dump(_ node: YAMLNode, indent: String = "") -> String {
    let position = "@\(node.location.line):\(node.location.column)"
    let tag = node.tag.map { " \($0)" } ?? ""
    switch node.kind {
    case .scalar(let scalar):
        return "\(indent)\(scalar.style) \(scalar.value.debugDescription)\(tag) \(position)\n"
    case .sequence(let items):
        return "\(indent)seq\(tag) \(position)\n" + items.map { dump($0, indent: indent + "  ") }.joined()
    case .mapping(let pairs):
        return "\(indent)map\(tag) \(position)\n" + pairs.map {
            dump($0.key, indent: indent + "  ") + dump($0.value, indent: indent + "    ")
        }.joined()
    }
}

/// Every document of a stream: a header line per document, then its tree (or `empty`).
func dump(_ documents: [YAMLDocument]) -> String {
    documents.map { document in
        let header = "document @\(document.location.line):\(document.location.column)\n"
        return header + (document.root.map { dump($0, indent: "  ") } ?? "  empty\n")
    }.joined()
}

/// The same tree with every position set to one place, for comparing structure only.
func withoutLocations(_ node: YAMLNode) -> YAMLNode {
    let nowhere = SourceLocation(file: "", line: 0, column: 0)
    switch node.kind {
    case .scalar:
        return YAMLNode(kind: node.kind, location: nowhere, tag: node.tag)
    case .sequence(let items):
        return YAMLNode(kind: .sequence(items.map(withoutLocations)), location: nowhere, tag: node.tag)
    case .mapping(let pairs):
        let stripped = pairs.map { YAMLPair(key: withoutLocations($0.key), value: withoutLocations($0.value)) }
        return YAMLNode(kind: .mapping(stripped), location: nowhere, tag: node.tag)
    }
}
