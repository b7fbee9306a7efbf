/// Writes pickles opcode by opcode for tests: torch-style state dicts with any views, and
/// malformed or hostile ones.
struct PickleBuilder {
    private(set) var bytes: [UInt8] = [0x80, 2]

    /// A tensor as `_rebuild_tensor_v2` describes it.
    struct Tensor {
        var name: String
        var storageClass = "FloatStorage"
        var key = "0"
        var storageCount: Int
        var offset = 0
        var shape: [Int]
        var strides: [Int]
    }

    mutating func raw(_ more: [UInt8]) { bytes += more }
    mutating func op(_ opcode: UInt8) { bytes.append(opcode) }
    mutating func mark() { op(0x28) }

    mutating func global(_ module: String, _ name: String) {
        op(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op(0x58)
        bytes.le32(UInt32(utf8.count))
        bytes += utf8
    }

    mutating func int(_ value: Int) {
        if let small = Int32(exactly: value) {
            op(0x4A)
            bytes.le32(UInt32(bitPattern: small))
        } else {
            op(0x8A)
            bytes.append(8)
            bytes.le64(UInt64(bitPattern: Int64(value)))
        }
    }

    mutating func intTuple(_ values: [Int]) {
        mark()
        for value in values { int(value) }
        op(0x74)
    }

    mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(0x29)
        op(0x52)
    }

    mutating func tensor(_ tensor: Tensor) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark()
        string("storage")
        global("torch", tensor.storageClass)
        string(tensor.key)
        string("cpu")
        int(tensor.storageCount)
        op(0x74)
        op(0x51)
        int(tensor.offset)
        intTuple(tensor.shape)
        intTuple(tensor.strides)
        op(0x89)
        emptyOrderedDict()
        op(0x74)
        op(0x52)
    }

    mutating func stop() { op(0x2E) }

    /// `OrderedDict(name → tensor)` as torch.save writes it.
    static func stateDict(_ tensors: [Tensor]) -> [UInt8] {
        var builder = PickleBuilder()
        builder.emptyOrderedDict()
        builder.mark()
        for tensor in tensors {
            builder.string(tensor.name)
            builder.tensor(tensor)
        }
        builder.op(0x75)
        builder.stop()
        return builder.bytes
    }
}

/// A torch.save-shaped archive: `archive/data.pkl`, `archive/byteorder`, `archive/data/<key>`.
enum TorchArchive {
    @discardableResult
    static func write(
        to path: String, pickle: [UInt8], storages: [(key: String, bytes: [UInt8])],
        holeBeforeStorages: Int = 0, forceZip64: Bool = false
    ) throws -> [String: Int] {
        var zip = ZipBuilder()
        zip.forceZip64 = forceZip64
        zip.add("archive/data.pkl", pickle)
        zip.add("archive/byteorder", Array("little".utf8))
        for (index, storage) in storages.enumerated() {
            zip.add("archive/data/\(storage.key)", storage.bytes, holeBefore: index == 0 ? holeBeforeStorages : 0)
        }
        zip.add("archive/version", Array("3\n".utf8))
        return try zip.write(to: path)
    }

    /// Float32 values as little-endian bytes.
    static func floats(_ values: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in values { bytes.le32(value.bitPattern) }
        return bytes
    }
}
