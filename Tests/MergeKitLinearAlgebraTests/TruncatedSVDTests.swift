import Foundation
import MergeKitLinearAlgebra
import Testing

@Suite struct TruncatedSVDTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var rows: Int
        var columns: Int
        var rank: Int
        var blockElements: Int
        var testDescription: String { "\(rows)×\(columns) rank \(rank), blocks of \(blockElements)" }
    }

    static let cases = [
        Case(rows: 40, columns: 12, rank: 4, blockElements: 50),   // tall, blocks of 4 rows
        Case(rows: 12, columns: 40, rank: 4, blockElements: 50),   // wide, blocks of 4 columns
        Case(rows: 17, columns: 17, rank: 5, blockElements: 1),    // square, one row per block
        Case(rows: 9, columns: 30, rank: 20, blockElements: 1000), // rank clamped to 9
    ]

    @Test(arguments: cases) func recoversTheLeadingSingularTriplets(_ c: Case) throws {
        let sigma = (0..<min(c.rows, c.columns)).map { 10.0 * pow(0.7, Double($0)) }
        let matrix = DenseMatrix.withSingularValues(sigma, rows: c.rows, columns: c.columns, seed: 7)
        let svd = try TruncatedSVD.compute(of: matrix, rank: c.rank, blockElements: c.blockElements)
        let r = min(c.rank, c.rows, c.columns)
        #expect(svd.rank == r)
        for k in 0..<r {
            #expect(abs(svd.singularValues[k] - sigma[k]) <= 1e-9 * sigma[0], "σ\(k)")
        }
        // Eckart–Young: the optimal error is the tail of the spectrum.
        let optimal = sigma[r...].reduce(0.0) { $0 + $1 * $1 }
        let actual = matrix.residualSquared(of: svd)
        #expect(abs(actual - optimal) <= 1e-9 * sigma[0] * sigma[0])
        #expect(abs(svd.residualNormSquared - optimal) <= 1e-9 * sigma[0] * sigma[0])
        // Orthonormal factors.
        for a in 0..<r {
            for b in 0..<r {
                let uu = (0..<c.rows).reduce(0.0) { $0 + svd.left[$1 * r + a] * svd.left[$1 * r + b] }
                let vv = (0..<c.columns).reduce(0.0) { $0 + svd.right[$1 * r + a] * svd.right[$1 * r + b] }
                #expect(abs(uu - (a == b ? 1 : 0)) < 1e-9)
                #expect(abs(vv - (a == b ? 1 : 0)) < 1e-9)
            }
        }
    }

    @Test func signsAreFixedByTheShortSidesLargestEntry() throws {
        let matrix = DenseMatrix.withSingularValues([3, 2, 1], rows: 20, columns: 6, seed: 11)
        let svd = try TruncatedSVD.compute(of: matrix, rank: 3)
        for k in 0..<3 {
            let column = (0..<6).map { svd.right[$0 * 3 + k] }
            let pivot = column.max { abs($0) < abs($1) } ?? 0
            #expect(pivot > 0)
        }
    }

    @Test func aRankDeficientMatrixGivesZeroFactorsNotNaN() throws {
        let matrix = DenseMatrix.withSingularValues([5, 1], rows: 10, columns: 8, seed: 3)
        let svd = try TruncatedSVD.compute(of: matrix, rank: 4)
        #expect(svd.singularValues[2] < 1e-6)
        #expect(svd.left.allSatisfy(\.isFinite) && svd.right.allSatisfy(\.isFinite))
        #expect(matrix.residualSquared(of: svd) < 1e-18 * 25)

        let zero = DenseMatrix(rowCount: 3, columnCount: 5, values: Array(repeating: 0, count: 15))
        let none = try TruncatedSVD.compute(of: zero, rank: 2)
        #expect(none.singularValues == [0, 0])
        #expect(none.left.allSatisfy { $0 == 0 } || none.right.allSatisfy { $0 == 0 })
        #expect(none.residualNormSquared == 0)
    }
}
