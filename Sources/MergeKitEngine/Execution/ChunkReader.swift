import MergeKitSafetensors
import MergeKitTensor

/// Streams one job's inputs as Float32 row chunks out of the memory-mapped files, into buffers it
/// owns (one per input, reused for every chunk), so memory does not grow with the tensor.
final class ChunkReader: ChunkSource {
    let job: TensorJob
    let rowsPerChunk: Int
    private var buffers: [UnsafeMutableBufferPointer<Float>]

    init(job: TensorJob, chunkElements: Int) {
        self.job = job
        rowsPerChunk = max(1, chunkElements / job.merge.rowLength)
        let capacity = min(job.merge.elementCount, rowsPerChunk * job.merge.rowLength)
        buffers = job.inputs.map { _ in .allocate(capacity: max(capacity, 1)) }
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// Chunk `k` covers these flat elements (whole rows; the last chunk may be shorter).
    var chunkRanges: [Range<Int>] {
        let total = job.merge.elementCount
        let step = rowsPerChunk * job.merge.rowLength
        return stride(from: 0, to: total, by: step).map { $0..<min($0 + step, total) }
    }

    func forEachChunk(_ body: (InputChunk) throws -> Void) throws {
        for range in chunkRanges {
            try body(read(range))
        }
    }

    /// Decodes `elements` of every input (rounded to the recipe's `dtype:` when it asks).
    func read(_ elements: Range<Int>) -> InputChunk {
        var views: [UnsafeBufferPointer<Float>] = []
        for (i, input) in job.inputs.enumerated() {
            let dtype = input.info.dtype
            let target = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<elements.count])
            input.file.withData(of: input.info) { bytes in
                let slice = UnsafeRawBufferPointer(rebasing: bytes[(elements.lowerBound * dtype.byteSize)..<(elements.upperBound * dtype.byteSize)])
                ElementConversion.decode(slice, as: dtype, into: target)
            }
            if let readDType = job.readDType, readDType != dtype, readDType.byteSize < dtype.byteSize {
                Self.round(target, through: readDType)
            }
            views.append(UnsafeBufferPointer(target))
        }
        return InputChunk(elements: elements, inputs: views)
    }

    /// Rounds values as if they had been stored as `dtype` (what reading with `dtype:` means).
    private static func round(_ values: UnsafeMutableBufferPointer<Float>, through dtype: DType) {
        var scratch = [UInt8](repeating: 0, count: values.count * dtype.byteSize)
        scratch.withUnsafeMutableBytes { raw in
            ElementConversion.encode(UnsafeBufferPointer(values), as: dtype, into: raw)
            ElementConversion.decode(UnsafeRawBufferPointer(raw), as: dtype, into: values)
        }
    }
}
