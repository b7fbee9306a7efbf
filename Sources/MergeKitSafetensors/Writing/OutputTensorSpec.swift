public import MergeKitTensor

/// A tensor to be written: its name, element type and shape.
public struct OutputTensorSpec: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}
