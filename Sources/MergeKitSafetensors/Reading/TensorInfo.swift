public import MergeKitTensor

/// One tensor entry of a validated safetensors header.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let elementCount: Int
    /// Where the tensor's bytes are, relative to the start of the data section.
    public let byteRange: Range<Int>

    public init(name: String, dtype: DType, shape: [Int], elementCount: Int, byteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.elementCount = elementCount
        self.byteRange = byteRange
    }

    /// Names compare by their bytes (`ByteString`).
    public static func == (lhs: TensorInfo, rhs: TensorInfo) -> Bool {
        lhs.name.hasSameBytes(as: rhs.name) && lhs.dtype == rhs.dtype && lhs.shape == rhs.shape
            && lhs.elementCount == rhs.elementCount && lhs.byteRange == rhs.byteRange
    }
}
