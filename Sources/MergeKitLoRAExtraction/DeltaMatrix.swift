import MergeKitLinearAlgebra
import MergeKitSafetensors
import MergeKitTensor

/// M = W_ft − W_base of one module, read block by block straight from the two memory maps (the
/// difference is exact in double precision for float inputs), optionally transposed (the input
/// embedding is decomposed as `hidden × vocabulary`). Pages are released as whole stored rows
/// are consumed, so reading a large tensor does not keep it resident. A read of an input that
/// shrank after it was mapped (`MappingFaultGuard` turned it into zeros) throws, naming the file.
struct DeltaMatrix: MatrixBlockSource {
    let fineTuned: (file: SafetensorsFile, info: TensorInfo)
    let base: (file: SafetensorsFile, info: TensorInfo)
    let transposed: Bool
    /// The stored tensor's row length.
    private let storedColumns: Int
    private let storedRows: Int

    init(fineTuned: (file: SafetensorsFile, info: TensorInfo), base: (file: SafetensorsFile, info: TensorInfo), transposed: Bool) {
        self.fineTuned = fineTuned
        self.base = base
        self.transposed = transposed
        storedRows = fineTuned.info.shape[0]
        storedColumns = fineTuned.info.shape[1]
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
        fineTuned.file.releasePages(of: fineTuned.info)
        base.file.releasePages(of: base.info)
    }

    private func release(storedRows range: Range<Int>) {
        for tensor in [fineTuned, base] {
            let rowBytes = storedColumns * tensor.info.dtype.byteSize
            tensor.file.releasePages(of: tensor.info, bytes: (range.lowerBound * rowBytes)..<(range.upperBound * rowBytes))
        }
    }

    private func decode(_ tensor: (file: SafetensorsFile, info: TensorInfo), row: Int, span: Range<Int>, into values: inout [Float]) {
        let size = tensor.info.dtype.byteSize
        let start = (row * storedColumns + span.lowerBound) * size
        tensor.file.withData(of: tensor.info) { bytes in
            values.withUnsafeMutableBufferPointer { output in
                ElementConversion.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[start..<(start + span.count * size)]),
                    as: tensor.info.dtype, into: output)
            }
        }
    }
}
