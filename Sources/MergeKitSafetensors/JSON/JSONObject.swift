/// A JSON object that keeps its keys in order, with distinct keys. Keys are told apart by their
/// bytes (`ByteString`), as the parser does.
///
/// Lookup is linear: config files are small, and large objects (an index's weight_map) are
/// iterated, not searched.
public struct JSONObject: Sendable, Equatable, Sequence {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
    }

    /// The members in order. Equality compares them in order.
    public private(set) var entries: [Entry]

    public init() {
        entries = []
    }

    /// - Precondition: keys are distinct (the parser reports duplicates as an error instead).
    public init(_ members: [(key: String, value: JSONValue)]) {
        var seen = Set<ByteString>()
        entries = members.map { member in
            precondition(seen.insert(ByteString(member.key)).inserted, "JSONObject: duplicate key '\(member.key)'")
            return Entry(key: member.key, value: member.value)
        }
    }

    init(uniqueEntries: [Entry]) {
        entries = uniqueEntries
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    /// The value for `key`. Setting an existing key replaces its value in place (its position is
    /// kept); setting a new key appends it; setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get { entries.first { $0.key.hasSameBytes(as: key) }?.value }
        set {
            let index = entries.firstIndex { $0.key.hasSameBytes(as: key) }
            switch (index, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append(Entry(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Entry]> {
        entries.makeIterator()
    }
}
