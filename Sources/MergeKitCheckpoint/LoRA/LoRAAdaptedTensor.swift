import MergeKitTensor

/// A base weight with a LoRA update applied, computed per requested range: W + s·ΔW, where ΔW
/// is B·A or (B·A)ᵀ (see `LoRAModule.Layout`). Nothing is materialised: each call decodes the
/// base range, the rank-r coefficients of the rows it touches and the r basis rows, and
/// accumulates the update in Double, so memory is the factors (r × columns) and the range.
public struct LoRAAdaptedTensor: TensorSource {
    public let base: any TensorSource
    public let module: LoRAModule

    /// - Precondition: `base` is 2-D with `module.deltaShape`, and both are mergeable
    ///   (`LoRAAdapter.apply(to:)` checks this).
    init(base: any TensorSource, module: LoRAModule) {
        self.base = base
        self.module = module
    }

    public var name: String { base.name }
    public var file: String { base.file }
    public var dtype: DType { base.dtype }
    public var shape: [Int] { base.shape }
    public var elementCount: Int { base.elementCount }

    /// Computed, so there are no stored bytes to copy.
    public func withStoredBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        nil
    }

    public func decode(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) {
        base.decode(elements, into: target)
        guard !elements.isEmpty else { return }
        let rows = shape[0]
        let columns = shape[1]
        let rank = module.rank
        let firstRow = elements.lowerBound / columns
        let lastRow = (elements.upperBound - 1) / columns
        let rowCount = lastRow - firstRow + 1

        // ΔW[i, j] = Σ_k coefficients[i, k] · basis[k, j] for the rows touched.
        let coefficients = UnsafeMutableBufferPointer<Float>.allocate(capacity: rowCount * rank)
        let basis = UnsafeMutableBufferPointer<Float>.allocate(capacity: rank * columns)
        let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns)
        defer {
            coefficients.deallocate()
            basis.deallocate()
            sums.deallocate()
        }
        switch module.layout {
        case .product:
            // coefficients = B[rows, :], basis = A.
            module.b.decode((firstRow * rank)..<((lastRow + 1) * rank), into: coefficients)
            module.a.decode(0..<(rank * columns), into: basis)
        case .transposedProduct:
            // coefficients[i, k] = A[k, i], basis[k, j] = B[j, k]: A's columns for the rows
            // touched, and all of B transposed.
            let column = UnsafeMutableBufferPointer<Float>.allocate(capacity: rowCount)
            let factor = UnsafeMutableBufferPointer<Float>.allocate(capacity: columns * rank)
            defer {
                column.deallocate()
                factor.deallocate()
            }
            for k in 0..<rank {
                module.a.decode((k * rows + firstRow)..<(k * rows + lastRow + 1), into: column)
                for i in 0..<rowCount { coefficients[i * rank + k] = column[i] }
            }
            module.b.decode(0..<(columns * rank), into: factor)
            for j in 0..<columns {
                for k in 0..<rank { basis[k * columns + j] = factor[j * rank + k] }
            }
        }

        let scale = module.scale
        for row in firstRow...lastRow {
            let begin = row == firstRow ? elements.lowerBound - row * columns : 0
            let end = row == lastRow ? elements.upperBound - row * columns : columns
            for j in begin..<end { sums[j] = 0 }
            for k in 0..<rank {
                let coefficient = Double(coefficients[(row - firstRow) * rank + k])
                let basisRow = k * columns
                for j in begin..<end { sums[j] += coefficient * Double(basis[basisRow + j]) }
            }
            let output = row * columns - elements.lowerBound
            for j in begin..<end {
                target[output + j] = Float(Double(target[output + j]) + scale * sums[j])
            }
        }
    }

    public func releasePages(_ elements: Range<Int>) {
        base.releasePages(elements)
    }

    public func prefetch(_ elements: Range<Int>) {
        base.prefetch(elements)
    }
}
