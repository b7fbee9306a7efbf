/// Checked size arithmetic for tensor shapes. Shapes come from untrusted headers, so every
/// product is overflow-checked and a negative dimension is rejected rather than trapped on.
public enum Shape {
    /// The number of elements of a tensor with dimensions `dims` (1 for a 0-rank tensor), or
    /// nil if a dimension is negative or the product overflows `Int`.
    public static func elementCount(_ dims: [Int]) -> Int? {
        var count = 1
        for dim in dims {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// The number of bytes a tensor of `dtype` with dimensions `dims` occupies, or nil on a
    /// negative dimension or overflow.
    public static func byteCount(_ dims: [Int], dtype: DType) -> Int? {
        guard let elements = elementCount(dims) else { return nil }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        return overflow ? nil : bytes
    }
}
