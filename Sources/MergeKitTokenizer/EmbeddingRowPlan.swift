/// How to build each participant's aligned version of one embedding-shaped tensor (token rows
/// first: `embed_tokens`, `lm_head`, ...): row by row, which input row, computed row or padding
/// mean it gets. The merge method then runs on the aligned tensors as if they were the inputs.
///
/// It holds row indices only, a few bytes per row and participant, so an executor can gather
/// any chunk of rows lazily, in every pass of the method.
public struct EmbeddingRowPlan: Sendable {
    /// Input indices of the models that have this tensor, in the merge's input order.
    public let participants: [Int]
    /// Rows `0 ..< tokenCount` are tokens; rows `tokenCount ..< rowCount` are padding.
    public let tokenCount: Int
    public let rowCount: Int
    /// Per participant, per token row: its own input row, or -1 where the computed row applies.
    let ownRows: [[Int32]]
    /// Token row → the computed row participants without an own row get.
    public let computedRows: [Int: ComputedRow]
    /// Tokens no participant has (their rows are zero).
    public let tokensInNoModel: [String]

    /// The source of row `row` for participant `participant` (an index into `participants`).
    public func source(participant: Int, row: Int) -> RowSource {
        guard row < tokenCount else { return .paddingMean }
        let own = ownRows[participant][row]
        if own >= 0 { return .input(row: Int(own)) }
        return .computed(computedRows[row] ?? .zero)
    }

    /// The sources of `rows` for `participant`, with runs of consecutive input rows merged.
    public func segments(participant: Int, rows: Range<Int>) -> [RowSegment] {
        var segments: [RowSegment] = []
        var row = rows.lowerBound
        while row < rows.upperBound {
            switch source(participant: participant, row: row) {
            case .paddingMean:
                segments.append(.paddingMean(output: row ..< rows.upperBound))
                row = rows.upperBound
            case .computed(let computed):
                segments.append(.computed(outputRow: row, computed))
                row += 1
            case .input(let first):
                var end = row + 1
                while end < min(rows.upperBound, tokenCount), Int(ownRows[participant][end]) == first + end - row {
                    end += 1
                }
                segments.append(.input(output: row ..< end, firstInputRow: first))
                row = end
            }
        }
        return segments
    }

    /// Whether there are padding rows: then each participant's padding mean (a reduction over its
    /// aligned token rows) is needed before they can be produced.
    public var hasPadding: Bool { rowCount > tokenCount }

    /// Counts for `plan` output: how the output rows are made.
    public var summary: Summary {
        var summary = Summary(tokenCount: tokenCount, paddingRows: rowCount - tokenCount)
        for row in 0 ..< tokenCount {
            let missing = ownRows.indices.filter { ownRows[$0][row] < 0 }.count
            if missing == 0 {
                summary.rowsFromEveryModel += 1
                continue
            }
            switch computedRows[row] ?? .zero {
            case .zero: summary.zeroRows += 1
            case .copy: summary.copiedRows += 1
            case .mean: summary.meanRows += 1
            }
        }
        return summary
    }

    public struct Summary: Sendable, Equatable {
        public var tokenCount: Int
        public var paddingRows: Int
        /// Token rows every participant has (and none is forced).
        public var rowsFromEveryModel = 0
        /// Token rows some participant gets from another model's row.
        public var copiedRows = 0
        /// Token rows some participant gets as the mean of other models' rows.
        public var meanRows = 0
        /// Token rows some participant gets as zeros.
        public var zeroRows = 0
    }
}

/// A model that has a given embedding-shaped tensor: its input index and the tensor's row count.
public struct EmbeddingParticipant: Sendable, Equatable {
    public var input: Int
    public var rows: Int

    public init(input: Int, rows: Int) {
        self.input = input
        self.rows = rows
    }
}
