/// A value on the unpickler's stack. Containers refer to their members by index into the
/// unpickler's node list rather than holding them, so a hostile pickle can build cycles or
/// nest a million levels deep without the interpreter recursing or a deinit overflowing the
/// stack; the memo shares nodes by index, so a dict filled after it was memoized is the same
/// dict wherever it is referred to, as in Python.
enum PickleNode: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// Bytes objects are never part of a state dict's meaning; only their length is kept.
    case bytes(count: Int)
    case tuple([Int])
    case list([Int])
    case dict([(key: Int, value: Int)])
    case global(TorchGlobal)
    case storage(PickledStorage)
    case tensor(PickledTensor)

    /// The value's kind, for messages ("a tuple", ...).
    var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "a bytes object"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let global): return "the global '\(global.qualifiedName)'"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}
