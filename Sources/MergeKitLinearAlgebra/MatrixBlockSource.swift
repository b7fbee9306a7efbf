/// A real matrix read in rectangular blocks, so an algorithm can stream over a matrix that is
/// never held whole in memory (a weight delta computed from two memory-mapped checkpoints).
public protocol MatrixBlockSource {
    var rowCount: Int { get }
    var columnCount: Int { get }

    /// Writes the block `rows` × `columns` into `buffer`, row-major with `columns.count`
    /// elements per row.
    ///
    /// - Precondition: the ranges lie within the matrix and
    ///   `buffer.count == rows.count * columns.count`.
    func read(rows: Range<Int>, columns: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws
}
