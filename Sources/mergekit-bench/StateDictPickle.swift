import MergeKitTensor

/// The pickle `torch.save` writes for `OrderedDict(name → contiguous tensor)` (protocol 2), each
/// tensor on a storage of its own: `_rebuild_tensor_v2(persistent_id, 0, shape, strides, False,
/// OrderedDict())` with the persistent id `('storage', torch.<Type>Storage, key, 'cpu', count)`.
enum StateDictPickle {
    struct Tensor {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// The storage's entry name under `data/` in the archive.
        var storageKey: String
    }

    static func bytes(of tensors: [Tensor]) throws -> [UInt8] {
        var pickle: [UInt8] = [0x80, 2]
        orderedDict(into: &pickle)
        pickle.append(mark)
        for tensor in tensors {
            guard let storageClass = storageClasses[tensor.dtype] else {
                throw BenchError("tensor '\(tensor.name)' is \(tensor.dtype.rawValue); the bench's .bin twin writes BF16, F16 and F32 only")
            }
            string(tensor.name, into: &pickle)
            global("torch._utils", "_rebuild_tensor_v2", into: &pickle)
            pickle.append(mark)
            pickle.append(mark)
            string("storage", into: &pickle)
            global("torch", storageClass, into: &pickle)
            string(tensor.storageKey, into: &pickle)
            string("cpu", into: &pickle)
            int(tensor.shape.reduce(1, *), into: &pickle)
            pickle.append(tuple)
            pickle.append(binaryPersistentID)
            int(0, into: &pickle)
            intTuple(tensor.shape, into: &pickle)
            intTuple(contiguousStrides(of: tensor.shape), into: &pickle)
            pickle.append(newFalse)
            orderedDict(into: &pickle)
            pickle.append(tuple)
            pickle.append(reduce)
        }
        pickle.append(setItems)
        pickle.append(stop)
        return pickle
    }

    private static let storageClasses: [DType: String] = [.bf16: "BFloat16Storage", .f16: "HalfStorage", .f32: "FloatStorage"]

    private static let mark: UInt8 = 0x28
    private static let tuple: UInt8 = 0x74
    private static let emptyTuple: UInt8 = 0x29
    private static let reduce: UInt8 = 0x52
    private static let binaryPersistentID: UInt8 = 0x51
    private static let newFalse: UInt8 = 0x89
    private static let setItems: UInt8 = 0x75
    private static let stop: UInt8 = 0x2E

    private static func contiguousStrides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        return strides
    }

    /// `collections.OrderedDict()`.
    private static func orderedDict(into pickle: inout [UInt8]) {
        global("collections", "OrderedDict", into: &pickle)
        pickle.append(emptyTuple)
        pickle.append(reduce)
    }

    private static func global(_ module: String, _ name: String, into pickle: inout [UInt8]) {
        pickle.append(0x63)
        pickle += Array("\(module)\n\(name)\n".utf8)
    }

    /// BINUNICODE.
    private static func string(_ text: String, into pickle: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        pickle.append(0x58)
        pickle.append32(UInt32(utf8.count))
        pickle += utf8
    }

    /// BININT for 32-bit values, LONG1 (8 bytes) beyond.
    private static func int(_ value: Int, into pickle: inout [UInt8]) {
        if let small = Int32(exactly: value) {
            pickle.append(0x4A)
            pickle.append32(UInt32(bitPattern: small))
        } else {
            pickle.append(0x8A)
            pickle.append(8)
            let wide = UInt64(bitPattern: Int64(value))
            for shift in stride(from: 0, to: 64, by: 8) { pickle.append(UInt8((wide >> UInt64(shift)) & 0xFF)) }
        }
    }

    private static func intTuple(_ values: [Int], into pickle: inout [UInt8]) {
        pickle.append(mark)
        for value in values { int(value, into: &pickle) }
        pickle.append(tuple)
    }
}
