import MergeKitCheckpoint
import MergeKitSafetensors

/// The reduction passes' view of one job: its inputs streamed as Float32 canonical blocks (whole
/// rows, about `blockElements` elements, fixed by the tensor shape alone), in block order. The
/// memory budget and the thread count never change the blocks, so a reduction combined block
/// by block gives the same bits however the map pass is chunked. The next block's pages are
/// prefetched. A job whose inputs together hold at most `residentBytes` keeps its mapped pages
/// between passes (the map pass releases them), so they are not faulted in again on every pass;
/// a larger job's blocks are released once consumed, so its inputs never stay resident.
/// A job aligned to the output vocabulary is read through its `AlignedEmbedding`: every pass
/// sees the aligned rows.
final class ChunkReader: ChunkSource {
    let job: TensorJob
    let formats: MergeFormats
    let aligned: AlignedEmbedding?
    let rowsPerBlock: Int
    /// Whether each block's pages are released once consumed (see `residentBytes`).
    let releasesBlocks: Bool
    private let decoder = InputDecoder()

    /// The most input bytes a job may keep mapped across its reduction passes.
    static let residentBytes = 64 << 20

    init(job: TensorJob, formats: MergeFormats, blockElements: Int, aligned: AlignedEmbedding? = nil) {
        self.job = job
        self.formats = formats
        self.aligned = aligned
        rowsPerBlock = Self.rowsPerBlock(job.merge, blockElements: blockElements)
        let inputBytes = job.inputs.reduce(0) { $0 + $1.mappedBytes }
        releasesBlocks = inputBytes > Self.residentBytes
    }

    /// Whole rows per canonical block: about `blockElements` elements, at least one row.
    static func rowsPerBlock(_ merge: MergeJob, blockElements: Int) -> Int {
        max(1, blockElements / merge.rowLength)
    }

    /// Block `k` covers these flat elements (whole rows; the last block may be shorter).
    var blockRanges: [Range<Int>] {
        Self.ranges(elementCount: job.merge.elementCount, step: rowsPerBlock * job.merge.rowLength)
    }

    static func ranges(elementCount: Int, step: Int) -> [Range<Int>] {
        stride(from: 0, to: elementCount, by: max(step, 1)).map { $0..<min($0 + step, elementCount) }
    }

    func forEachChunk(_ body: (InputChunk) throws -> Void) throws {
        let ranges = blockRanges
        for (index, range) in ranges.enumerated() {
            if index + 1 < ranges.count { InputDecoder.prefetch(job, ranges[index + 1], aligned: aligned) }
            try body(try decoder.decode(job, as: formats, range, aligned: aligned))
            if releasesBlocks { InputDecoder.release(job, range, aligned: aligned) }
        }
    }
}
