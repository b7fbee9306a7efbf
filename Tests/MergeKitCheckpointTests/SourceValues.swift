import MergeKitCheckpoint
import MergeKitSafetensors
import MergeKitTensor

/// Whole-tensor reads for comparisons.
enum SourceValues {
    /// Every element of `source`, decoded.
    static func all(_ source: any TensorSource) -> [Float] {
        var values = [Float](repeating: .nan, count: source.elementCount)
        values.withUnsafeMutableBufferPointer { source.decode(0..<source.elementCount, into: $0) }
        return values
    }

    /// Every element, decoded in chunks of `chunk` elements (chunks need not be whole rows).
    static func chunked(_ source: any TensorSource, chunk: Int) -> [Float] {
        var values = [Float](repeating: .nan, count: source.elementCount)
        values.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: source.elementCount, by: chunk) {
                let range = start..<min(start + chunk, source.elementCount)
                source.decode(range, into: UnsafeMutableBufferPointer(rebasing: buffer[range]))
            }
        }
        return values
    }

    /// The tensors of a safetensors file, by name.
    static func safetensors(_ path: String) throws -> [String: SafetensorsTensor] {
        let file = try SafetensorsFile(path: path)
        return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, SafetensorsTensor($0, in: file)) })
    }

    /// The stored bytes of a contiguous source.
    static func bytes(_ source: any TensorSource) -> [UInt8]? {
        source.withStoredBytes { Array($0) }
    }
}
