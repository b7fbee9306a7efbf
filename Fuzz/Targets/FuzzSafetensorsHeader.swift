import MergeKitSafetensors

/// Any byte string as a whole safetensors file: the header parser and validator must throw a
/// SafetensorsError or succeed, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensorsHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let header = try? SafetensorsHeader.parse(fileBytes: bytes, file: "fuzz.safetensors") {
        // A header that validates must describe tensors that lie inside the file.
        for tensor in header.tensors {
            precondition(header.dataOffset + tensor.byteRange.upperBound <= size)
        }
        // Names are distinct as bytes (two Unicode normalisations of one name are two names).
        precondition(Set(header.tensors.map { ByteString($0.name) }).count == header.tensors.count)
    }
    return 0
}
