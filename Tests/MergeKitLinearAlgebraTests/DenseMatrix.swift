import MergeKitLinearAlgebra
import MergeKitRandom

/// A row-major matrix in memory, as a block source.
struct DenseMatrix: MatrixBlockSource {
    var rowCount: Int
    var columnCount: Int
    var values: [Double]

    func read(rows: Range<Int>, columns: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) {
        var k = 0
        for i in rows {
            for j in columns {
                buffer[k] = values[i * columnCount + j]
                k += 1
            }
        }
    }

    /// U diag(σ) Vᵀ for random orthonormal U (m × σ.count) and V (n × σ.count).
    static func withSingularValues(_ sigma: [Double], rows m: Int, columns n: Int, seed: UInt64) -> DenseMatrix {
        var generator = SplitMix64(seed: seed)
        func next() -> Double {
            Double(generator.next() >> 11) * 0x1p-53 * 2 - 1
        }
        func orthonormal(_ count: Int, length: Int) -> [[Double]] {
            var basis: [[Double]] = []
            while basis.count < count {
                var v = (0..<length).map { _ in next() }
                for b in basis {
                    let dot = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<length { v[i] -= dot * b[i] }
                }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 1e-6 { basis.append(v.map { $0 / norm }) }
            }
            return basis
        }
        let u = orthonormal(sigma.count, length: m)
        let v = orthonormal(sigma.count, length: n)
        var values = [Double](repeating: 0, count: m * n)
        for (k, s) in sigma.enumerated() {
            for i in 0..<m {
                for j in 0..<n { values[i * n + j] += s * u[k][i] * v[k][j] }
            }
        }
        return DenseMatrix(rowCount: m, columnCount: n, values: values)
    }

    /// ‖self − U Σ Vᵀ‖²_F for a computed decomposition.
    func residualSquared(of svd: TruncatedSVD) -> Double {
        var total = 0.0
        for i in 0..<rowCount {
            for j in 0..<columnCount {
                var approximation = 0.0
                for k in 0..<svd.rank {
                    approximation += svd.left[i * svd.rank + k] * svd.singularValues[k] * svd.right[j * svd.rank + k]
                }
                let difference = values[i * columnCount + j] - approximation
                total += difference * difference
            }
        }
        return total
    }
}
