import MergeKitCheckpoint
import MergeKitSafetensors
import MergeKitTensor

/// Computes one stage tensor into memory, encoded in its output dtype, on the calling worker:
/// the same steps as the executor (aligned rows, reduction passes over canonical blocks, the map
/// pass chunk by chunk, the NaN check), so the bytes are those the stage would write alone.
struct StageJobRunner {
    let blockElements: Int
    let mapChunkElements: Int
    let nonFinite: NonFiniteInputs

    func compute(_ job: TensorJob) throws -> UnsafeMutableRawBufferPointer {
        let size = job.outputDType.byteSize
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(job.outputBytes, 1), alignment: 16)
        do {
            if let verbatim = job.verbatimInput {
                try copy(job.inputs[verbatim].source, into: output)
                return output
            }
            let decoder = InputDecoder()
            let aligned = try job.alignedRows.map {
                try AlignedEmbedding.prepare(job, rows: $0, blockElements: blockElements, decoder: decoder)
            }
            let kernel = try job.prepared.makeKernel(source: ChunkReader(job: job, blockElements: blockElements, aligned: aligned))
            let rows = ExecutionBudget.mapChunkRows(job.merge, chunkElements: mapChunkElements)
            let merged = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, rows * job.merge.rowLength))
            defer { merged.deallocate() }
            for range in ChunkReader.ranges(elementCount: job.merge.elementCount, step: rows * job.merge.rowLength) {
                let chunk = try decoder.decode(job, range, aligned: aligned)
                try nonFinite.check(chunk, of: job)
                let values = UnsafeMutableBufferPointer(rebasing: merged[0..<range.count])
                kernel.merge(chunk, into: values)
                let bytes = UnsafeMutableRawBufferPointer(rebasing: output[(range.lowerBound * size)..<(range.upperBound * size)])
                ElementConversion.encode(UnsafeBufferPointer(values), as: job.outputDType, into: bytes)
                InputDecoder.release(job, range, aligned: aligned)
            }
            return output
        } catch {
            output.deallocate()
            throw error
        }
    }

    /// An identity merge: the input's stored bytes (the job factory copies only sources that have them).
    private func copy(_ source: any TensorSource, into output: UnsafeMutableRawBufferPointer) throws {
        let target = UnsafeMutableRawBufferPointer(rebasing: output[0..<source.storedByteCount])
        let copied: Void? = source.withStoredBytes { bytes in target.copyMemory(from: bytes) }
        guard copied != nil else { throw StageError("the tensor '\(source.name)' of \(source.file) has no stored bytes to copy") }
        if let truncated = MappedFile.truncationError { throw truncated }
    }
}
