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
            let format = FloatDType(info.dtype)
            var values = [Float](repeating: 0, count: format == nil ? 0 : info.elementCount)
            let bytes = file.withData(of: info) { raw in
                if let format {
                    values.withUnsafeMutableBufferPointer { ElementConversion.decode(raw, as: format, into: $0) }
                }
                return Array(raw)
            }
            tensors[info.name] = Tensor(dtype: info.dtype, shape: info.shape, bytes: bytes, values: values)
        }
    }

    public subscript(name: String) -> Tensor? { tensors[name] }
}
