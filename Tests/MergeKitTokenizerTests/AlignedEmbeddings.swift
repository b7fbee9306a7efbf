import MergeKitTestSupport
@testable import MergeKitTokenizer

/// A reference executor for `EmbeddingRowPlan`, whole tensors in memory (test sizes only): each
/// participant's aligned rows, computed as mergekit does in float32 (means summed in
/// participant order, then divided).
struct AlignedEmbeddings {
    let plan: EmbeddingRowPlan
    let width: Int
    /// Per participant, `rowCount × width` values.
    let rows: [[Float]]

    init(plan: EmbeddingRowPlan, tensors: [TensorData]) {
        self.plan = plan
        let width = tensors.first.map { $0.values.count / max($0.shape[0], 1) } ?? 0
        self.width = width
        func inputRow(_ row: InputRow) -> ArraySlice<Float> {
            tensors[row.participant].values[row.row * width ..< (row.row + 1) * width]
        }
        func computed(_ row: ComputedRow) -> [Float] {
            switch row {
            case .zero:
                return [Float](repeating: 0, count: width)
            case .copy(let source):
                return Array(inputRow(source))
            case .mean(let sources):
                var sum = [Float](repeating: 0, count: width)
                for source in sources {
                    for (column, value) in inputRow(source).enumerated() { sum[column] += value }
                }
                return sum.map { $0 / Float(sources.count) }
            }
        }
        rows = plan.participants.indices.map { participant in
            var aligned = [Float](repeating: 0, count: plan.rowCount * width)
            for row in 0 ..< plan.rowCount {
                let values: [Float]
                switch plan.source(participant: participant, row: row) {
                case .input(let inputRowIndex):
                    values = Array(inputRow(InputRow(participant: participant, row: inputRowIndex)))
                case .computed(let computedRow):
                    values = computed(computedRow)
                case .paddingMean:
                    values = (0 ..< width).map { column in
                        let total = (0 ..< plan.tokenCount).reduce(0.0) { $0 + Double(aligned[$1 * width + column]) }
                        return Float(total / Double(plan.tokenCount))
                    }
                }
                aligned.replaceSubrange(row * width ..< (row + 1) * width, with: values)
            }
            return aligned
        }
    }

    func row(_ participant: Int, _ row: Int) -> ArraySlice<Float> {
        rows[participant][row * width ..< (row + 1) * width]
    }
}
