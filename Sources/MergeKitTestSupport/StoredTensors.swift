import MergeKitSafetensors
public import MergeKitTensor

/// Every tensor of one safetensors file, for comparing outputs with goldens: the raw bytes (for
/// byte-for-byte checks) and the values decoded to `Float` (for float and bf16 tensors).
public struct StoredTensors {
    public struct Tensor {
        public var dtype: DType
        public var shape: [Int]
        public var bytes: [UInt8]
        public var values: [Float]
    }

    public var tensors: [String: Tensor] = [:]

    public init(file path: String) throws {
        let file = try SafetensorsFile(path: path)
        for info in file.tensors {
            var values = [Float](repeating: 0, count: info.dtype.isMergeable ? info.elementCount : 0)
            let bytes = file.withData(of: info) { raw in
                if info.dtype.isMergeable {
                    values.withUnsafeMutableBufferPointer { ElementConversion.decode(raw, as: info.dtype, into: $0) }
                }
                return Array(raw)
            }
            tensors[info.name] = Tensor(dtype: info.dtype, shape: info.shape, bytes: bytes, values: values)
        }
    }

    public subscript(name: String) -> Tensor? { tensors[name] }
}
