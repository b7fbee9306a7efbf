public import MergeKitSafetensors

extension JSONValue {
    /// An object from ordered members (keys must be distinct).
    static func members(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(pairs.map { (key: $0.0, value: $0.1) }))
    }

    /// The object with `key` set to `value` (in place when present, else appended), so an
    /// edited config.json keeps its key order. Non-objects are returned unchanged.
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard var object = objectValue else { return self }
        object[key] = value
        return .object(object)
    }
}
