internal import CLAPACK

/// The largest eigenpairs of a real symmetric matrix, by LAPACK's `dsyevr` (relatively robust
/// representations: only the requested eigenvectors are computed, each to full accuracy).
public enum SymmetricEigensolver {
    public struct Result: Sendable {
        /// Eigenvalues, largest first.
        public var values: [Double]
        /// `n × values.count`, row-major: column j is the unit eigenvector of `values[j]`.
        public var vectors: [Double]
    }

    /// The `count` largest eigenvalues of the `n × n` matrix whose upper triangle (row-major) is
    /// in `matrix`, with their eigenvectors. Each eigenvector's sign is fixed so that its
    /// largest-magnitude entry (the first of equal ones) is positive: LAPACK's sign is arbitrary,
    /// and a fixed one makes results comparable between runs and libraries. `matrix` is
    /// overwritten.
    ///
    /// - Precondition: `matrix.count == n * n` and `1 <= count <= n`.
    public static func largest(
        _ count: Int, of matrix: inout [Double], n: Int
    ) throws(LinearAlgebraError) -> Result {
        precondition(matrix.count == n * n && count >= 1 && count <= n, "SymmetricEigensolver.largest: bad sizes")
        guard let order = Int32(exactly: n), Int32(exactly: n * n) != nil else {
            throw LinearAlgebraError(routine: "dsyevr", message: "a \(n) × \(n) matrix exceeds 32-bit LAPACK indices")
        }
        var found: Int32 = 0
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * count)
        var support = [Int32](repeating: 0, count: 2 * count)
        let info = matrix.withUnsafeMutableBufferPointer { a in
            LAPACKE_dsyevr(
                LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "U")),
                order, a.baseAddress, order, 0, 0, order - Int32(count) + 1, order, 0,
                &found, &values, &vectors, Int32(count), &support)
        }
        guard info == 0, found == Int32(count) else {
            throw LinearAlgebraError(
                routine: "dsyevr",
                message: info == 0 ? "found \(found) of \(count) eigenvalues" : "failed with info = \(info)")
        }
        // dsyevr returns ascending order; reverse the columns so the largest comes first.
        var descendingValues = [Double](repeating: 0, count: count)
        var descendingVectors = [Double](repeating: 0, count: n * count)
        for j in 0..<count {
            let source = count - 1 - j
            descendingValues[j] = values[source]
            var pivot = 0.0
            for i in 0..<n where abs(vectors[i * count + source]) > abs(pivot) {
                pivot = vectors[i * count + source]
            }
            let sign: Double = pivot < 0 ? -1 : 1
            for i in 0..<n {
                descendingVectors[i * count + j] = sign * vectors[i * count + source]
            }
        }
        return Result(values: descendingValues, vectors: descendingVectors)
    }
}
