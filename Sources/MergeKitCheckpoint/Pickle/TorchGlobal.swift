import MergeKitTensor

/// The only globals a state dict saved by `torch.save` refers to. The unpickler resolves a
/// GLOBAL opcode to one of these or refuses the file; nothing is ever imported or called,
/// these are names the interpreter knows the meaning of.
enum TorchGlobal: Sendable, Equatable {
    /// `collections.OrderedDict`: the state dict itself and every tensor's empty backward hooks.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata])`:
    /// dtypes without a typed storage class (float8, uint16/32/64) on an untyped storage.
    case rebuildTensorV3
    /// `torch._utils._rebuild_parameter(tensor, requires_grad, hooks)` and
    /// `_rebuild_parameter_with_state(tensor, requires_grad, hooks, state)`: an nn.Parameter.
    case rebuildParameter
    /// A storage class named in a persistent id: typed (`torch.FloatStorage`, ...) or untyped.
    case storage(TorchStorageType)
    /// A dtype (`torch.float32`, ...), the last argument of `_rebuild_tensor_v3`.
    case dtype(DType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor_v3"): self = .rebuildTensorV3
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            self = .rebuildParameter
        case ("torch", "UntypedStorage"), ("torch.storage", "UntypedStorage"):
            self = .storage(.untyped)
        case ("torch", _):
            if let dtype = Self.typedStorages[name] {
                self = .storage(.typed(dtype))
            } else if let dtype = DType.allCases.first(where: { $0.torchName == name }) {
                self = .dtype(dtype)
            } else {
                return nil
            }
        default:
            return nil
        }
    }

    /// The name as Python spells it, for messages.
    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV3: return "torch._utils._rebuild_tensor_v3"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storage(.untyped): return "torch.UntypedStorage"
        case .storage(.typed(let dtype)):
            return "torch." + (Self.typedStorages.first { $0.value == dtype }?.key ?? "\(dtype.torchName) storage")
        case .dtype(let dtype): return "torch." + dtype.torchName
        }
    }

    /// torch's legacy typed storage classes, which still name the dtype of a saved storage.
    private static let typedStorages: [String: DType] = [
        "DoubleStorage": .f64, "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    /// What the allow-list holds, for the message that refuses anything else.
    static let allowedDescription =
        "collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _v3, torch._utils._rebuild_parameter, "
        + "torch storage classes (torch.FloatStorage, torch.BFloat16Storage, ..., torch.UntypedStorage) and torch dtypes"
}

/// The storage class of a persistent id: a typed storage counts elements of its dtype, an
/// untyped one counts bytes (the tensor's dtype then comes from `_rebuild_tensor_v3`).
enum TorchStorageType: Sendable, Equatable {
    case typed(DType)
    case untyped

    /// Bytes per counted storage element.
    var unitSize: Int {
        switch self {
        case .typed(let dtype): return dtype.byteSize
        case .untyped: return 1
        }
    }
}
