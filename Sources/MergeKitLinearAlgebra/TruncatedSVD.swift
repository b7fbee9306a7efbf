internal import CLAPACK

/// The best rank-R approximation U Σ Vᵀ of a matrix S (Eckart–Young), computed from the Gram
/// matrix of its smaller side while streaming S in blocks:
///
/// - tall S (rows ≥ columns): G = SᵀS, accumulated block by block of rows (`dsyrk`, in double
///   precision); V = the top R eigenvectors of G (`dsyevr`), σᵢ = √λᵢ; then U = S V Σ⁻¹ in a
///   second pass over the rows (`dgemm`).
/// - wide S: the same with G = S Sᵀ over blocks of columns; U from G, Vᵀ = Σ⁻¹ Uᵀ S.
///
/// Why the Gram matrix: it costs one pass of `min(m,n)²·max(m,n)` multiply-adds and an
/// eigensolver on the small side only, several times less than a full SVD (`gesdd`) of S, and S
/// is never held in memory (the Gram matrix and the factors are). Squaring the matrix halves the
/// relative precision of small singular values, which is why G is accumulated in double
/// precision: for float32 data, singular values down to ~1e-8·σ₁ are still resolved, far below
/// what float32 storage of S can express. The product U Σ Vᵀ = S V Vᵀ is the orthogonal
/// projection of S on the computed subspace however small σᵢ is, so the approximation error is
/// the optimal one up to rounding. A singular vector pair's sign is fixed by the eigensolver's
/// rule (see `SymmetricEigensolver.largest`).
public struct TruncatedSVD: Sendable {
    public let rowCount: Int
    public let columnCount: Int
    /// σ₁ ≥ σ₂ ≥ … ≥ σ_R ≥ 0.
    public let singularValues: [Double]
    /// `rowCount × rank`, row-major (U). A column whose σ is 0 is 0.
    public let left: [Double]
    /// `columnCount × rank`, row-major (V, so row i of Vᵀ is column i here). A column whose σ is
    /// 0 is 0.
    public let right: [Double]
    /// ‖S‖²_F.
    public let frobeniusNormSquared: Double

    public var rank: Int { singularValues.count }

    /// ‖S − U Σ Vᵀ‖²_F = ‖S‖²_F − Σσᵢ² (never negative).
    public var residualNormSquared: Double {
        max(0, frobeniusNormSquared - singularValues.reduce(0) { $0 + $1 * $1 })
    }

    /// The rank-`min(rank, rows, columns)` truncated SVD of `source`; blocks hold about
    /// `blockElements` doubles.
    ///
    /// - Precondition: `rank >= 1`, the matrix is not empty, `blockElements >= 1`.
    public static func compute(
        of source: some MatrixBlockSource, rank: Int, blockElements: Int = 1 << 20
    ) throws -> TruncatedSVD {
        let m = source.rowCount
        let n = source.columnCount
        precondition(rank >= 1 && m >= 1 && n >= 1 && blockElements >= 1, "TruncatedSVD.compute: bad sizes")
        let small = min(m, n)
        let r = min(rank, small)
        guard Int32(exactly: max(m, n)) != nil, Int32(exactly: small * small) != nil else {
            throw LinearAlgebraError(routine: "dsyrk", message: "a \(m) × \(n) matrix exceeds 32-bit BLAS indices")
        }
        let tall = n <= m
        let blockLength = max(1, blockElements / small)
        var buffer = [Double](repeating: 0, count: blockLength * small)

        // Pass 1: G = SᵀS (tall) or S Sᵀ (wide), upper triangle, and ‖S‖².
        var gram = [Double](repeating: 0, count: small * small)
        var normSquared = 0.0
        var start = 0
        let long = tall ? m : n
        while start < long {
            let count = min(blockLength, long - start)
            let block = start..<(start + count)
            try buffer.withUnsafeMutableBufferPointer { storage in
                let slice = UnsafeMutableBufferPointer(rebasing: storage[0..<(count * small)])
                if tall {
                    try source.read(rows: block, columns: 0..<n, into: slice)
                } else {
                    try source.read(rows: 0..<m, columns: block, into: slice)
                }
                for value in slice { normSquared += value * value }
                gram.withUnsafeMutableBufferPointer { g in
                    if tall {
                        // G += Bᵀ B with B = count × n.
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(count), 1,
                                    slice.baseAddress, Int32(n), 1, g.baseAddress, Int32(n))
                    } else {
                        // G += C Cᵀ with C = m × count.
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(count), 1,
                                    slice.baseAddress, Int32(count), 1, g.baseAddress, Int32(m))
                    }
                }
            }
            start += count
        }

        let eigen = try SymmetricEigensolver.largest(r, of: &gram, n: small)
        gram = []
        let sigma = eigen.values.map { $0 > 0 ? $0.squareRoot() : 0 }
        let inverse = sigma.map { $0 > 0 ? 1 / $0 : 0 }

        // Pass 2: the long side's factor by projecting S on the short side's vectors.
        var projected = [Double](repeating: 0, count: long * r)
        start = 0
        while start < long {
            let count = min(blockLength, long - start)
            let block = start..<(start + count)
            try buffer.withUnsafeMutableBufferPointer { storage in
                let slice = UnsafeMutableBufferPointer(rebasing: storage[0..<(count * small)])
                if tall {
                    try source.read(rows: block, columns: 0..<n, into: slice)
                } else {
                    try source.read(rows: 0..<m, columns: block, into: slice)
                }
                eigen.vectors.withUnsafeBufferPointer { vectors in
                    projected.withUnsafeMutableBufferPointer { out in
                        if tall {
                            // U[block] (count × r) = B (count × n) · V (n × r).
                            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(r), Int32(n), 1,
                                        slice.baseAddress, Int32(n), vectors.baseAddress, Int32(r), 0,
                                        out.baseAddress.map { $0 + start * r }, Int32(r))
                        } else {
                            // V[block] (count × r) = Cᵀ (count × m) · U (m × r).
                            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(count), Int32(r), Int32(m), 1,
                                        slice.baseAddress, Int32(count), vectors.baseAddress, Int32(r), 0,
                                        out.baseAddress.map { $0 + start * r }, Int32(r))
                        }
                    }
                }
            }
            start += count
        }
        for row in 0..<long {
            for j in 0..<r {
                projected[row * r + j] *= inverse[j]
            }
        }

        return tall
            ? TruncatedSVD(rowCount: m, columnCount: n, singularValues: sigma, left: projected, right: eigen.vectors,
                           frobeniusNormSquared: normSquared)
            : TruncatedSVD(rowCount: m, columnCount: n, singularValues: sigma, left: eigen.vectors, right: projected,
                           frobeniusNormSquared: normSquared)
    }
}
