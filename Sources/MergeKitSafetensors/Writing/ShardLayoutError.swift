public import MergeKitTensor

/// An output tensor list that cannot be laid out; names the tensor.
public struct ShardLayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    public let tensor: String
    public let kind: Kind

    public enum Kind: Sendable, Equatable {
        case duplicateName
        /// `__metadata__` is the header's metadata key, not a possible tensor name.
        case reservedName
        case invalidShape([Int])
        case byteCountOverflow(shape: [Int], dtype: DType)
        case totalSizeOverflow
    }

    public init(tensor: String, kind: Kind) {
        self.tensor = tensor
        self.kind = kind
    }

    public var description: String {
        let problem: String
        switch kind {
        case .duplicateName: problem = "appears twice in the output"
        case .reservedName: problem = "'__metadata__' is reserved by the safetensors format"
        case .invalidShape(let shape): problem = "shape \(shape) has a negative dimension or too many elements"
        case .byteCountOverflow(let shape, let dtype): problem = "byte count of \(shape) × \(dtype.rawValue) overflows"
        case .totalSizeOverflow: problem = "output size overflows"
        }
        return "output tensor '\(tensor)': \(problem)"
    }
}
