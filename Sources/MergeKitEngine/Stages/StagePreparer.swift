/// Runs a stage tensor's reduction passes on the calling worker, as the executor does for a job
/// (aligned rows, reduction passes over the same canonical blocks), and keeps what its map pass
/// needs, so every range a consumer reads has the bytes the stage would write alone.
struct StagePreparer {
    let blockElements: Int
    let nonFinite: NonFiniteInputs

    func prepare(_ job: TensorJob) throws -> StageTensor.Prepared {
        if let verbatim = job.verbatimInput { return .copy(job.inputs[verbatim].source) }
        let aligned = try job.alignedRows.map {
            try AlignedEmbedding.prepare(job, rows: $0, blockElements: blockElements, decoder: InputDecoder())
        }
        let kernel = try job.prepared.makeKernel(source: ChunkReader(job: job, blockElements: blockElements, aligned: aligned))
        return .merge(kernel, aligned: aligned, nonFinite: nonFinite)
    }
}
