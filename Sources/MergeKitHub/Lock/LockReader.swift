import MergeKitSafetensors

/// Typed access to a lock file's values, with errors that say where.
struct LockReader {
    let file: String

    func fail(_ at: String, _ message: String) -> RecipeLockError {
        RecipeLockError(file: file, path: at, message: message)
    }

    func object(_ value: JSONValue?, at: String) throws(RecipeLockError) -> JSONObject {
        guard let value else { throw fail(at, "is missing") }
        guard let object = value.objectValue else { throw fail(at, "must be a mapping, not \(value.typeDescription)") }
        return object
    }

    func array(_ value: JSONValue?, at: String) throws(RecipeLockError) -> [JSONValue] {
        guard let value else { throw fail(at, "is missing") }
        guard let array = value.arrayValue else { throw fail(at, "must be a list, not \(value.typeDescription)") }
        return array
    }

    func string(_ value: JSONValue?, at: String) throws(RecipeLockError) -> String {
        guard let value else { throw fail(at, "is missing") }
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        default: throw fail(at, "must be a string, not \(value.typeDescription)")
        }
    }

    func integer(_ value: JSONValue?, at: String) throws(RecipeLockError) -> Int {
        guard let value else { throw fail(at, "is missing") }
        guard let number = value.intValue, number >= 0 else { throw fail(at, "must be a whole number of bytes, not \(value.serialized())") }
        return number
    }

    func allowOnly(_ keys: Set<String>, in object: JSONObject, at: String) throws(RecipeLockError) {
        for key in object.keys where !keys.contains(key) {
            throw fail(at.isEmpty ? key : at + "." + key, "is not a lock file key (expected one of \(keys.sorted().joined(separator: ", ")))")
        }
    }
}
