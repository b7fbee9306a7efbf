/// Collects one mapping's pairs in document order and resolves them the way PyYAML does:
/// YAML 1.1 merge keys (`<<: *anchor` or `<<: [*a, *b]`) are expanded, keys written in the mapping
/// win over merged ones, an earlier merge source wins over a later one, and of two explicit
/// pairs with the same key the later wins (the earlier is dropped and reported).
struct YAMLMappingBuilder {
    private enum Entry {
        case pair(YAMLPair)
        case merge(YAMLNode)
    }

    private var entries: [Entry] = []

    /// `<<` written plain and untagged, or tagged `!!merge`. A quoted `"<<"` is an ordinary key.
    static func isMergeKey(_ key: YAMLNode) -> Bool {
        guard let scalar = key.scalar, scalar.value == "<<" else { return false }
        if let tag = key.tag { return tag == "!!merge" }
        return scalar.style == .plain
    }

    mutating func append(key: YAMLNode, value: YAMLNode) {
        if Self.isMergeKey(key) {
            entries.append(.merge(value))
        } else {
            entries.append(.pair(YAMLPair(key: key, value: value)))
        }
    }

    /// The resolved pairs; explicit duplicates are appended to `duplicates`. Keys are compared by
    /// their text. Merge sources are already resolved, since inner mappings finish first.
    func finish(duplicates: inout [YAMLDuplicateKey]) throws(YAMLError) -> [YAMLPair] {
        var explicitKeys = Set<String>()
        for case .pair(let pair) in entries {
            explicitKeys.insert(Self.text(of: pair.key))
        }
        var slots: [YAMLPair?] = []
        var slotOfKey: [String: Int] = [:]
        for entry in entries {
            switch entry {
            case .pair(let pair):
                let key = Self.text(of: pair.key)
                if let earlier = slotOfKey[key], let earlierPair = slots[earlier] {
                    duplicates.append(YAMLDuplicateKey(
                        key: key, first: earlierPair.key.location, duplicate: pair.key.location))
                    slots[earlier] = nil
                }
                slotOfKey[key] = slots.count
                slots.append(pair)
            case .merge(let value):
                for source in try Self.mergeSources(value) {
                    for pair in source {
                        let key = Self.text(of: pair.key)
                        guard !explicitKeys.contains(key), slotOfKey[key] == nil else { continue }
                        slotOfKey[key] = slots.count
                        slots.append(pair)
                    }
                }
            }
        }
        return slots.compactMap { $0 }
    }

    private static func mergeSources(_ value: YAMLNode) throws(YAMLError) -> [[YAMLPair]] {
        switch value.kind {
        case .mapping(let pairs):
            return [pairs]
        case .sequence(let items):
            var sources: [[YAMLPair]] = []
            for item in items {
                guard let pairs = item.mapping else {
                    throw YAMLError(location: item.location,
                                    message: "expected a mapping to merge with '<<'; found \(item.kindName)")
                }
                sources.append(pairs)
            }
            return sources
        case .scalar:
            throw YAMLError(
                location: value.location,
                message: "expected a mapping or a list of mappings to merge with '<<'; found \(value.kindName)")
        }
    }

    private static func text(of key: YAMLNode) -> String {
        key.scalar?.value ?? ""
    }
}
