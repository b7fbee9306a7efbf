import MergeKitSafetensors
import MergeKitTokenizer

/// A job's inputs aligned to the output vocabulary (`TensorJob.alignedRows`): what every pass of
/// its method reads instead of the stored tensors (`InputDecoder` gathers the rows of each chunk:
/// own rows as contiguous runs, default rows one at a time), so an embedding is never held
/// whole. Padding rows are each input's mean aligned token row, computed when the job starts over
/// canonical blocks of rows in order, so they do not depend on the thread count or the budget.
struct AlignedEmbedding: Sendable {
    let rows: EmbeddingRowPlan
    /// Elements per row.
    let width: Int
    /// Per input, its mean aligned token row (empty when there are no padding rows).
    let paddingMeans: [[Float]]

    /// The alignment of `job`, its padding means computed (reading the token rows once).
    static func prepare(
        _ job: TensorJob, as formats: MergeFormats, rows: EmbeddingRowPlan, blockElements: Int, decoder: InputDecoder
    ) throws -> AlignedEmbedding {
        let width = job.merge.rowLength
        let tokensOnly = AlignedEmbedding(rows: rows, width: width, paddingMeans: [])
        guard rows.hasPadding, rows.tokenCount > 0 else { return tokensOnly }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: width), count: job.inputs.count)
        let blockRows = ChunkReader.rowsPerBlock(job.merge, blockElements: blockElements)
        for first in stride(from: 0, to: rows.tokenCount, by: blockRows) {
            let elements = first * width ..< min(first + blockRows, rows.tokenCount) * width
            let chunk = try decoder.decode(job, as: formats, elements, aligned: tokensOnly)
            for (input, values) in chunk.inputs.enumerated() {
                sums[input].withUnsafeMutableBufferPointer { sum in
                    for rowStart in stride(from: 0, to: values.count, by: width) {
                        for column in 0..<width { sum[column] += Double(values[rowStart + column]) }
                    }
                }
            }
            InputDecoder.release(job, elements, aligned: tokensOnly)
        }
        let count = Double(rows.tokenCount)
        return AlignedEmbedding(rows: rows, width: width, paddingMeans: sums.map { $0.map { Float($0 / count) } })
    }

    /// The stored rows of input `input` that output rows `rows` read as they are (for page
    /// prefetch and release), as element ranges of that input's tensor.
    func storedElements(input: Int, rows: Range<Int>) -> [Range<Int>] {
        rows.isEmpty ? [] : self.rows.segments(participant: input, rows: rows).compactMap { segment in
            guard case .input(let output, let first) = segment else { return nil }
            return first * width ..< (first + output.count) * width
        }
    }
}
