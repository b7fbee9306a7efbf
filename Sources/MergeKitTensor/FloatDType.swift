/// The dtypes merge arithmetic reads and writes, through Float32: the float types of `DType`.
/// Conversion takes this type, so asking it to decode an integer or FP8 tensor cannot be
/// written: whoever holds a `FloatDType` has already found out that the tensor is a float one.
public enum FloatDType: Sendable, Hashable, CaseIterable {
    case f64, f32, f16, bf16

    /// The float type of `dtype`, or nil when merge arithmetic cannot read it.
    public init?(_ dtype: DType) {
        switch dtype {
        case .f64: self = .f64
        case .f32: self = .f32
        case .f16: self = .f16
        case .bf16: self = .bf16
        case .f8e4m3, .f8e5m2, .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool: return nil
        }
    }

    /// Parses a recipe's `dtype:` / `out_dtype:` spelling (see `DType.init(recipeName:)`).
    public init?(recipeName: String) {
        guard let dtype = DType(recipeName: recipeName) else { return nil }
        self.init(dtype)
    }

    public var dtype: DType {
        switch self {
        case .f64: .f64
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        }
    }

    /// Bytes per element.
    public var byteSize: Int { dtype.byteSize }
}
