public import MergeKitSafetensors
import MergeKitTensor

/// A base weight with a LoRA update applied, computed per requested range: W + s·ΔW, where ΔW
/// is B·A or (B·A)ᵀ (see `LoRAModule.Layout`). Nothing is materialised: each call decodes the
/// base range, the rank-r coefficients of the rows it touches and the r basis rows, so memory
/// is the factors (r × columns) and the range.
///
/// The arithmetic is PEFT's, in float32: the rank-r sum, times s, added to W. Every element
/// is computed by the same operations in the same order whatever range it is decoded in, so
/// the values never depend on how a tensor is chunked.
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

    /// The Float32 scratch one `decode` call allocates when its range touches `rows` rows: the
    /// rows' rank-r coefficients and the r basis rows (and, for `transposedProduct`, A's column
    /// strip and all of B as stored). Freed before `decode` returns.
    public func scratchBytes(rows: Int) -> Int {
        let columns = shape.count == 2 ? shape[1] : 0
        let rank = module.rank
        let scratch = rows * rank + rank * columns
        switch module.layout {
        case .product: return scratch * 4
        case .transposedProduct: return (scratch + rows + columns * rank) * 4
        }
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
        defer {
            coefficients.deallocate()
            basis.deallocate()
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

        guard let coefficientBase = coefficients.baseAddress, let basisBase = basis.baseAddress,
              let targetBase = target.baseAddress else { return }
        // PEFT's arithmetic in float32: ΔW = (B·A)·s, then W + ΔW.
        let scale = Float(module.scale)
        let scaleLanes = SIMD8<Float>(repeating: scale)
        for row in firstRow...lastRow {
            let begin = row == firstRow ? elements.lowerBound - row * columns : 0
            let end = row == lastRow ? elements.upperBound - row * columns : columns
            let rowCoefficients = coefficientBase + (row - firstRow) * rank
            let output = targetBase + (row * columns - elements.lowerBound)
            // 32 columns at a time in four independent sums (so additions overlap), the rank-r
            // sum in registers; then 8 at a time; then the tail.
            var j = begin
            while j + 4 * Self.lanes <= end {
                var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                for k in 0..<rank {
                    let coefficient = SIMD8<Float>(repeating: rowCoefficients[k])
                    let lanes = UnsafeRawPointer(basisBase + k * columns + j)
                    sums.0 += coefficient * lanes.loadUnaligned(as: SIMD8<Float>.self)
                    sums.1 += coefficient * lanes.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                    sums.2 += coefficient * lanes.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                    sums.3 += coefficient * lanes.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                }
                let slot = UnsafeMutableRawPointer(output + j)
                Self.addScaled(sums.0, scaleLanes, to: slot)
                Self.addScaled(sums.1, scaleLanes, to: slot + 32)
                Self.addScaled(sums.2, scaleLanes, to: slot + 64)
                Self.addScaled(sums.3, scaleLanes, to: slot + 96)
                j += 4 * Self.lanes
            }
            while j + Self.lanes <= end {
                var sum = SIMD8<Float>()
                for k in 0..<rank {
                    let basisLanes = UnsafeRawPointer(basisBase + k * columns + j).loadUnaligned(as: SIMD8<Float>.self)
                    sum += SIMD8(repeating: rowCoefficients[k]) * basisLanes
                }
                Self.addScaled(sum, scaleLanes, to: UnsafeMutableRawPointer(output + j))
                j += Self.lanes
            }
            while j < end {
                var sum: Float = 0
                for k in 0..<rank { sum += rowCoefficients[k] * basisBase[k * columns + j] }
                output[j] += sum * scale
                j += 1
            }
        }
    }

    private static let lanes = 8

    /// weights[0..<8] += sum · scale, on possibly unaligned Float32 slots.
    @inline(__always)
    private static func addScaled(_ sum: SIMD8<Float>, _ scale: SIMD8<Float>, to slot: UnsafeMutableRawPointer) {
        let weights = UnsafeRawPointer(slot).loadUnaligned(as: SIMD8<Float>.self)
        slot.storeBytes(of: weights + sum * scale, as: SIMD8<Float>.self)
    }

    /// Drops the base's pages of `elements` and all of the factors' pages: every decode reads
    /// A (or B) whole, so they are read again from the page cache for the next range (they are
    /// rank × columns, small next to the range), and an adapter's files never stay resident.
    public func releasePages(_ elements: Range<Int>) {
        base.releasePages(elements)
        module.a.releasePages(0..<module.a.elementCount)
        module.b.releasePages(0..<module.b.elementCount)
    }

    public func prefetch(_ elements: Range<Int>) {
        base.prefetch(elements)
    }

    public func shrinkError() -> SafetensorsError? {
        base.shrinkError() ?? module.a.shrinkError() ?? module.b.shrinkError()
    }
}
