import MergeKitSafetensors

/// Any byte string as model.safetensors.index.json: parsed strictly, never trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let index = try? CheckpointIndex.parse(bytes: bytes, file: "model.safetensors.index.json") {
        for shard in index.shardFiles {
            precondition(!shard.contains("/"), "an index may not point outside its folder")
        }
        precondition(Set(index.weightMap.map { ByteString($0.tensor) }).count == index.weightMap.count,
                     "tensor names are distinct as bytes")
    }
    return 0
}
