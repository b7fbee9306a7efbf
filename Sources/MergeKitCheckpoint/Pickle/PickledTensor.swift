import MergeKitTensor

/// A storage as a persistent id names it: `('storage', type, key, location, numel)`. Its bytes
/// are the archive member `<archive>/data/<key>`.
struct PickledStorage: Sendable, Equatable {
    var type: TorchStorageType
    var key: String
    /// Storage elements (typed) or bytes (untyped).
    var count: Int
}

/// A tensor as `_rebuild_tensor_v2/_v3` describes it: a view of a storage (offset, shape,
/// strides, all in elements of `dtype`).
struct PickledTensor: Sendable, Equatable {
    var storage: PickledStorage
    var dtype: DType
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}
