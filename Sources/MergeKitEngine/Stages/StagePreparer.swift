/// Runs a stage tensor's reduction passes on the calling worker, as the executor does for a job
/// (aligned rows, reduction passes over the same canonical blocks), and keeps what its map pass
/// needs, so every range a consumer reads has the bytes the stage would write alone.
struct StagePreparer {
    let blockElements: Int
    let nonFinite: NonFiniteInputs

    func prepare(_ job: TensorJob) throws -> StageTensor.Prepared {
        switch job.storage {
        case .copy(let input):
            return .copy(job.inputs[input].source)
        case .merge(let formats):
            let aligned = try job.alignedRows.map {
                try AlignedEmbedding.prepare(job, as: formats, rows: $0, blockElements: blockElements, decoder: InputDecoder())
            }
            let reader = ChunkReader(job: job, formats: formats, blockElements: blockElements, aligned: aligned)
            return .merge(try job.prepared.makeKernel(source: reader), formats: formats, aligned: aligned, nonFinite: nonFinite)
        }
    }
}
