/// How a memory budget is spent. Each worker holds one reduction reader (a canonical block of
/// every input, decoded, plus its mapped pages) and one map chunk (decoded inputs, their mapped
/// pages, the Float32 result and its encoding); `workers × (block + chunk)` fits the budget.
/// Only the map chunk size depends on the budget, and the map pass is element- or row-local, so
/// the output bytes do not. A LoRA-adapted input also needs its factors' scratch per decode
/// (`LoRAAdaptedTensor.scratchBytes`), counted in both.
public struct ExecutionBudget: Sendable {
    public static let defaultBytes = 256 << 20
    /// Larger map chunks buy nothing: a chunk this size (× inputs) still sits in L2/L3 between
    /// decoding and merging.
    static let maxMapChunkElements = 1 << 16

    /// Threads that run at once (at most the requested count; fewer if one row is that large).
    public let workers: Int
    /// Elements per map chunk (rounded down to whole rows per job, at least one row).
    public let mapChunkElements: Int
    /// Elements per canonical reduction block (`PlanOptions.chunkElements`).
    public let blockElements: Int
    /// What the workers' buffers need at most.
    public let estimatedBytes: Int

    public init(jobs: [TensorJob], blockElements: Int, threads: Int, bytes: Int) {
        self.blockElements = max(1, blockElements)
        let perElement = jobs.map(Self.bytesPerElement).max() ?? 1
        let block = jobs.map { Self.blockBytes($0, blockElements: max(1, blockElements)) }.max() ?? 0
        let widestRow = jobs.map { $0.merge.rowLength * Self.bytesPerElement($0) }.max() ?? 0
        // What a map chunk's LoRA decoding needs whatever its size (the basis rows); 0 without adapters.
        let chunkScratch = jobs.map { Self.scratchBytes($0, rows: 0) }.max() ?? 0
        let fitting = max(1, bytes / max(block + chunkScratch + widestRow, 1))
        workers = max(1, min(threads, fitting))
        let spare = max(0, bytes / workers - block - chunkScratch)
        let chunkElements = max(1, min(Self.maxMapChunkElements, spare / max(perElement, 1)))
        mapChunkElements = chunkElements
        estimatedBytes = workers * (block + jobs.map { job in
            let rows = Self.mapChunkRows(job.merge, chunkElements: chunkElements)
            return rows * job.merge.rowLength * Self.bytesPerElement(job) + Self.scratchBytes(job, rows: rows)
        }.reduce(0, max))
    }

    /// Whole rows per map chunk of `merge`.
    static func mapChunkRows(_ merge: MergeJob, chunkElements: Int) -> Int {
        max(1, min(chunkElements, merge.elementCount) / merge.rowLength)
    }

    /// Per element in flight: each input decoded (4 B) and mapped (its stored size), the result
    /// (4 B) and its encoding.
    static func bytesPerElement(_ job: TensorJob) -> Int {
        job.inputs.reduce(0) { $0 + 4 + $1.source.dtype.byteSize } + 4 + job.outputDType.byteSize
    }

    static func blockBytes(_ job: TensorJob, blockElements: Int) -> Int {
        guard job.verbatimInput == nil else { return 0 }
        let rows = ChunkReader.rowsPerBlock(job.merge, blockElements: blockElements)
        let elements = min(job.merge.elementCount, rows * job.merge.rowLength)
        return elements * job.inputs.reduce(0) { $0 + 4 + $1.source.dtype.byteSize }
            + scratchBytes(job, rows: min(rows, job.merge.elementCount / job.merge.rowLength))
    }

    /// The scratch the job's LoRA-adapted inputs allocate to decode `rows` rows: one input at a
    /// time, so the largest (the rank-r basis rows dominate, whatever the chunk).
    static func scratchBytes(_ job: TensorJob, rows: Int) -> Int {
        job.inputs.map { $0.scratchBytes(rows: rows) }.max() ?? 0
    }
}
