import MergeKitCheckpoint
import MergeKitLinearAlgebra
import MergeKitSafetensors
import MergeKitTensor

/// M = W_ft − W_base of one module, read block by block through the two tensors' sources (the
/// difference is exact in double precision for float inputs; a source may be a safetensors or
/// .bin tensor read in place from its memory map, or a LoRA-adapted weight), optionally
/// transposed (the input embedding is decomposed as `hidden × vocabulary`). Pages are released
/// as whole stored rows are consumed, so reading a large tensor does not keep it resident. A
/// read of an input that shrank after it was mapped (`MappingFaultGuard` turned it into zeros)
/// throws, naming the file.
struct DeltaMatrix: MatrixBlockSource {
    let fineTuned: any TensorSource
    let base: any TensorSource
    let transposed: Bool
    /// The stored tensor's row length.
    private let storedColumns: Int
    private let storedRows: Int

    init(fineTuned: any TensorSource, base: any TensorSource, transposed: Bool) {
        self.fineTuned = fineTuned
        self.base = base
        self.transposed = transposed
        storedRows = fineTuned.shape[0]
        storedColumns = fineTuned.shape[1]
    }

    var rowCount: Int { transposed ? storedColumns : storedRows }
    var columnCount: Int { transposed ? storedRows : storedColumns }

    func read(rows: Range<Int>, columns: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws(SafetensorsError) {
        // In stored coordinates: which stored rows, and which span of each.
        let storedRowRange = transposed ? columns : rows
        let span = transposed ? rows : columns
        var fineTunedRow = [Float](repeating: 0, count: span.count)
        var baseRow = [Float](repeating: 0, count: span.count)
        for storedRow in storedRowRange {
            decode(fineTuned, row: storedRow, span: span, into: &fineTunedRow)
            decode(base, row: storedRow, span: span, into: &baseRow)
            for k in 0..<span.count {
                let difference = Double(fineTunedRow[k]) - Double(baseRow[k])
                if transposed {
                    buffer[k * columns.count + (storedRow - columns.lowerBound)] = difference
                } else {
                    buffer[(storedRow - rows.lowerBound) * columns.count + k] = difference
                }
            }
        }
        if let truncated = MappedFile.truncationError { throw truncated }
        if span.count == storedColumns {
            release(storedRows: storedRowRange)
        }
    }

    /// Drops both tensors' pages (after the last pass).
    func releaseAll() {
        fineTuned.releasePages(0..<fineTuned.elementCount)
        base.releasePages(0..<base.elementCount)
    }

    private func release(storedRows range: Range<Int>) {
        for tensor in [fineTuned, base] {
            tensor.releasePages((range.lowerBound * storedColumns)..<(range.upperBound * storedColumns))
        }
    }

    private func decode(_ tensor: any TensorSource, row: Int, span: Range<Int>, into values: inout [Float]) {
        let start = row * storedColumns + span.lowerBound
        values.withUnsafeMutableBufferPointer { output in
            tensor.decode(start..<(start + span.count), into: output)
        }
    }
}
