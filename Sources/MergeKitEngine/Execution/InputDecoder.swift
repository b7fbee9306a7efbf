import MergeKitSafetensors
import MergeKitTensor

/// Float32 buffers owned by one worker, into which a range of elements of every input of a job
/// is decoded. They grow to the largest request and are reused, so streaming allocates nothing
/// per chunk.
final class InputDecoder {
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []
    private var rounding: UnsafeMutableRawBufferPointer?
    /// NaN / ±Inf in each input of the last decoded chunk (counted while decoding).
    private(set) var nonFiniteCounts: [Int] = []

    deinit {
        for buffer in buffers { buffer.deallocate() }
        rounding?.deallocate()
    }

    /// Decodes `elements` of every input of `job` (rounded through the recipe's `dtype:` when it
    /// asks). The views stay valid until the next call. Throws when a mapped input was read past
    /// its end since the process started (it shrank during the merge: see `MappingFaultGuard`),
    /// so values read as zeros never reach an output.
    func decode(_ job: TensorJob, _ elements: Range<Int>) throws(SafetensorsError) -> InputChunk {
        reserve(inputs: job.inputs.count, elements: elements.count)
        var views: [UnsafeBufferPointer<Float>] = []
        views.reserveCapacity(job.inputs.count)
        nonFiniteCounts.removeAll(keepingCapacity: true)
        for (i, input) in job.inputs.enumerated() {
            let dtype = input.info.dtype
            let target = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<elements.count])
            var nonFinite = input.file.withData(of: input.info) { bytes in
                let slice = UnsafeRawBufferPointer(
                    rebasing: bytes[(elements.lowerBound * dtype.byteSize)..<(elements.upperBound * dtype.byteSize)])
                return ElementConversion.decodeCountingNonFinite(slice, as: dtype, into: target)
            }
            if let readDType = job.readDType, readDType != dtype, readDType.byteSize < dtype.byteSize {
                round(target, through: readDType)
                nonFinite = ElementConversion.nonFiniteCount(UnsafeBufferPointer(target))
            }
            nonFiniteCounts.append(nonFinite)
            views.append(UnsafeBufferPointer(target))
        }
        if let truncated = MappedFile.truncationError { throw truncated }
        return InputChunk(elements: elements, inputs: views)
    }

    /// Drops the mapped pages of `elements` of every input (they were consumed).
    static func release(_ job: TensorJob, _ elements: Range<Int>) {
        for input in job.inputs {
            let size = input.info.dtype.byteSize
            input.file.releasePages(of: input.info, bytes: (elements.lowerBound * size)..<(elements.upperBound * size))
        }
    }

    /// Asks the kernel to read `elements` of every input ahead of use (helps a cold page cache).
    static func prefetch(_ job: TensorJob, _ elements: Range<Int>) {
        for input in job.inputs {
            let size = input.info.dtype.byteSize
            input.file.prefetch(of: input.info, bytes: (elements.lowerBound * size)..<(elements.upperBound * size))
        }
    }

    private func reserve(inputs: Int, elements: Int) {
        if let first = buffers.first, first.count < elements {
            for buffer in buffers { buffer.deallocate() }
            buffers = []
        }
        let capacity = max(elements, buffers.first?.count ?? 1, 1)
        while buffers.count < inputs {
            buffers.append(.allocate(capacity: capacity))
        }
    }

    /// Rounds values as if they had been stored as `dtype` (what reading with `dtype:` means).
    private func round(_ values: UnsafeMutableBufferPointer<Float>, through dtype: DType) {
        let bytes = values.count * dtype.byteSize
        if let existing = rounding, existing.count < bytes {
            existing.deallocate()
            rounding = nil
        }
        let scratch = rounding ?? .allocate(byteCount: max(bytes, 1), alignment: 16)
        rounding = scratch
        let raw = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<bytes])
        ElementConversion.encode(UnsafeBufferPointer(values), as: dtype, into: raw)
        ElementConversion.decode(UnsafeRawBufferPointer(raw), as: dtype, into: values)
    }
}
