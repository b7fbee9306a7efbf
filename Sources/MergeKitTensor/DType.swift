/// A tensor element type, spelled as in safetensors headers (`rawValue`).
public enum DType: String, Sendable, CaseIterable, Hashable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f8e4m3 = "F8_E4M3"
    case f8e5m2 = "F8_E5M2"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .f8e4m3, .f8e5m2, .i8, .u8, .bool: return 1
        }
    }

    /// Whether merge arithmetic can read and write this dtype (through Float32).
    public var isMergeable: Bool { FloatDType(self) != nil }

    /// The torch / recipe spelling (`float32`, `bfloat16`, ...), used in config.json and recipes.
    public var torchName: String {
        switch self {
        case .f64: return "float64"
        case .f32: return "float32"
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        case .f8e4m3: return "float8_e4m3fn"
        case .f8e5m2: return "float8_e5m2"
        case .i64: return "int64"
        case .i32: return "int32"
        case .i16: return "int16"
        case .i8: return "int8"
        case .u64: return "uint64"
        case .u32: return "uint32"
        case .u16: return "uint16"
        case .u8: return "uint8"
        case .bool: return "bool"
        }
    }

    /// Parses a recipe's `dtype:` / `out_dtype:` spelling. Accepts torch names, with or without
    /// the `torch.` prefix mergekit strips (`torch.bfloat16`), and the common short forms people
    /// write (`fp16`, `bf16`, `float`, `half`); only mergeable dtypes.
    public init?(recipeName: String) {
        var name = Substring(recipeName.lowercased())
        if name.hasPrefix("torch.") { name = name.dropFirst("torch.".count) }
        switch name {
        case "float32", "fp32", "f32", "float": self = .f32
        case "float16", "fp16", "f16", "half": self = .f16
        case "bfloat16", "bf16": self = .bf16
        case "float64", "fp64", "f64", "double": self = .f64
        default: return nil
        }
    }
}
