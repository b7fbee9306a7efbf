public import MergeKitTensor

/// A tensor's name, type, shape and values, for building and reading test checkpoints.
/// `values` are the exact stored values decoded to `Float`, in row-major order.
public struct TensorData: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, dtype: DType, shape: [Int], values: [Float]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }
}
