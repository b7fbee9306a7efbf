internal import CLAPACK

/// Single-precision matrix products through BLAS `sgemm`, for the forward pass of hidden-state
/// gates.
public enum MatrixProduct {
    /// C = A · Bᵀ for row-major A (`rows × inner`) and B (`columns × inner`, e.g. a block of a
    /// weight matrix's rows), written into C with row stride `cStride` (so a block of columns of a
    /// wider C can be filled).
    ///
    /// - Precondition: the buffers hold the sizes stated; sizes fit BLAS's 32-bit indices.
    public static func multiplyTransposed(
        _ a: UnsafePointer<Float>, rows: Int, inner: Int, _ b: UnsafePointer<Float>, columns: Int,
        into c: UnsafeMutablePointer<Float>, cStride: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(inner), 1,
                    a, Int32(inner), b, Int32(inner), 0, c, Int32(cStride))
    }
}
