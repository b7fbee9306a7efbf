import MergeKitCheckpoint
import MergeKitSafetensors
import MergeKitTensor
import MergeKitTokenizer

/// Float32 buffers owned by one worker, into which a range of elements of every input of a job
/// is decoded. They grow to the largest request and are reused, so streaming allocates nothing
/// per chunk.
final class InputDecoder {
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []
    private var rounding: UnsafeMutableRawBufferPointer?
    /// NaN / ±Inf in each input of the last decoded chunk (counted while decoding).
    private(set) var nonFiniteCounts: [Int] = []
    /// One row, for the rows a default embedding row is the mean of.
    private var scratchRow = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1)

    deinit {
        for buffer in buffers { buffer.deallocate() }
        rounding?.deallocate()
        scratchRow.deallocate()
    }

    /// Decodes `elements` of every input of `job`, each as its float type in `formats` (rounded
    /// through the recipe's `dtype:` when it asks); with `aligned`, `elements` are of the aligned
    /// tensors and their rows are gathered from the inputs. The views stay valid until the next
    /// call. Throws when a mapped input was read past its end since the process started (it
    /// shrank during the merge: see `MappingFaultGuard`), so values read as zeros never reach an
    /// output.
    func decode(
        _ job: TensorJob, as formats: MergeFormats, _ elements: Range<Int>, aligned: AlignedEmbedding? = nil
    ) throws(SafetensorsError) -> InputChunk {
        reserve(inputs: job.inputs.count, elements: elements.count)
        var views: [UnsafeBufferPointer<Float>] = []
        views.reserveCapacity(job.inputs.count)
        nonFiniteCounts.removeAll(keepingCapacity: true)
        for (i, input) in job.inputs.enumerated() {
            let target = UnsafeMutableBufferPointer(rebasing: buffers[i][0..<elements.count])
            if let aligned {
                gather(input: i, of: job, as: formats, aligned: aligned, elements: elements, into: target)
                nonFiniteCounts.append(ElementConversion.nonFiniteCount(UnsafeBufferPointer(target)))
            } else {
                nonFiniteCounts.append(read(input, as: formats.inputs[i], elements, readDType: formats.read, into: target))
            }
            views.append(UnsafeBufferPointer(target))
        }
        if let truncated = MappedFile.truncationError { throw truncated }
        return InputChunk(elements: elements, inputs: views)
    }

    /// `elements` of one input of float type `dtype`, decoded into `target` (and rounded
    /// through `readDType`); returns how many of the values are NaN or ±Inf.
    @discardableResult
    private func read(
        _ input: TensorInput, as dtype: FloatDType, _ elements: Range<Int>, readDType: FloatDType?,
        into target: UnsafeMutableBufferPointer<Float>
    ) -> Int {
        let nonFinite = input.source.decodeCountingNonFinite(elements, into: target)
        guard let readDType, readDType != dtype, readDType.byteSize < dtype.byteSize else { return nonFinite }
        round(target, through: readDType)
        return ElementConversion.nonFiniteCount(UnsafeBufferPointer(target))
    }

    /// Input `input`'s aligned rows covering `elements` (whole rows), row plan segment by segment.
    private func gather(
        input: Int, of job: TensorJob, as formats: MergeFormats, aligned: AlignedEmbedding, elements: Range<Int>,
        into target: UnsafeMutableBufferPointer<Float>
    ) {
        let width = aligned.width
        let firstRow = elements.lowerBound / width
        func rows(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Float> {
            UnsafeMutableBufferPointer(rebasing: target[((range.lowerBound - firstRow) * width)..<((range.upperBound - firstRow) * width)])
        }
        func stored(_ row: InputRow, into destination: UnsafeMutableBufferPointer<Float>) {
            read(job.inputs[row.participant], as: formats.inputs[row.participant], row.row * width ..< (row.row + 1) * width,
                 readDType: formats.read, into: destination)
        }
        for segment in aligned.rows.segments(participant: input, rows: firstRow ..< elements.upperBound / width) {
            switch segment {
            case .input(let output, let firstInputRow):
                read(job.inputs[input], as: formats.inputs[input], firstInputRow * width ..< (firstInputRow + output.count) * width,
                     readDType: formats.read, into: rows(output))
            case .computed(let outputRow, .zero):
                rows(outputRow ..< outputRow + 1).update(repeating: 0)
            case .computed(let outputRow, .copy(let source)):
                stored(source, into: rows(outputRow ..< outputRow + 1))
            case .computed(let outputRow, .mean(let sources)):
                // As mergekit: summed in order from zero, then divided by the count.
                let row = rows(outputRow ..< outputRow + 1)
                row.update(repeating: 0)
                reserveScratchRow(width)
                let scratch = UnsafeMutableBufferPointer(rebasing: scratchRow[0..<width])
                for source in sources {
                    stored(source, into: scratch)
                    for j in 0..<width { row[j] += scratch[j] }
                }
                let count = Float(sources.count)
                for j in 0..<width { row[j] /= count }
            case .paddingMean(let output):
                let mean = aligned.paddingMeans[input]
                for row in output {
                    _ = rows(row ..< row + 1).update(fromContentsOf: mean)
                }
            }
        }
    }

    /// Drops the mapped pages of `elements` of every input (they were consumed); with `aligned`,
    /// of the stored rows those aligned elements were gathered from.
    static func release(_ job: TensorJob, _ elements: Range<Int>, aligned: AlignedEmbedding? = nil) {
        for (i, input) in job.inputs.enumerated() {
            for range in storedElements(i, job, elements, aligned) {
                input.source.releasePages(range)
            }
        }
    }

    /// Asks the kernel to read `elements` of every input ahead of use (helps a cold page cache).
    static func prefetch(_ job: TensorJob, _ elements: Range<Int>, aligned: AlignedEmbedding? = nil) {
        for (i, input) in job.inputs.enumerated() {
            for range in storedElements(i, job, elements, aligned) {
                input.source.prefetch(range)
            }
        }
    }

    private static func storedElements(_ input: Int, _ job: TensorJob, _ elements: Range<Int>, _ aligned: AlignedEmbedding?) -> [Range<Int>] {
        guard let aligned else { return [elements] }
        return aligned.storedElements(input: input, rows: elements.lowerBound / aligned.width ..< elements.upperBound / aligned.width)
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

    private func reserveScratchRow(_ width: Int) {
        guard scratchRow.count < width else { return }
        scratchRow.deallocate()
        scratchRow = .allocate(capacity: width)
    }

    /// Rounds values as if they had been stored as `dtype` (what reading with `dtype:` means).
    private func round(_ values: UnsafeMutableBufferPointer<Float>, through dtype: FloatDType) {
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
