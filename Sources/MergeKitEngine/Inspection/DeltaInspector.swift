import MergeKitCheckpoint
import MergeKitTensor

/// `mergekit-swift inspect`: how large a fine-tune's deltas δ = θ_ft − θ_b are, and how much
/// error DARE would add, to tell whether a fine-tune can be sparsified (the DARE paper finds
/// that dropping works while deltas stay below ~0.01 and fails beyond). Streams every tensor
/// row by row out of the memory maps, so memory does not grow with the model.
public struct DeltaInspector: Sendable {
    /// |δ| bounds whose coverage is reported (the paper's Figure 3 scale).
    public static let smallDeltaBounds = [0.002, 0.005, 0.01]
    public static let dropRates = [0.5, 0.9, 0.99]
    /// Deemed DARE-friendly when at least this fraction of |δ| is ≤ `friendlyBound`.
    public static let friendlyBound = 0.01
    public static let friendlyFraction = 0.99
    /// DARE masks are those of a `dare` recipe with seed 0 and the fine-tune as its first model.
    static let maskSeed: UInt64 = 0
    /// Probe x_c = 2·u_c − 1 from the §5 stream of (this seed, tensor name, position 0).
    static let probeSeed: UInt64 = 0x7072_6F62_65

    public let base: ModelDirectory

    public init(base: ModelDirectory) {
        self.base = base
    }

    public func inspect(_ model: ModelDirectory, name: String) -> DeltaReport {
        let bounds = Self.smallDeltaBounds.count
        let rates = Self.dropRates.count
        var groups: [TensorGroup: DeltaAccumulator] = [:]
        var overall = DeltaAccumulator(bounds: bounds, dropRates: rates)
        var skipped: [String] = []
        for tensorName in model.tensorNames {
            guard let fineTuned = model.tensor(named: tensorName) else { continue }
            guard let original = base.tensor(named: tensorName) else {
                skipped.append("\(tensorName): not in the base")
                continue
            }
            guard fineTuned.shape == original.shape else {
                skipped.append("\(tensorName): shape \(fineTuned.shape) vs the base's \(original.shape)")
                continue
            }
            guard fineTuned.dtype.isMergeable, original.dtype.isMergeable else {
                skipped.append("\(tensorName): dtype \(fineTuned.dtype.rawValue) is not a float type")
                continue
            }
            let measured = measure(tensorName, fineTuned: fineTuned, base: original)
            groups[TensorGroup(tensorName: tensorName), default: DeltaAccumulator(bounds: bounds, dropRates: rates)].add(measured)
            overall.add(measured)
        }
        let perGroup = TensorGroup.allCases.compactMap { group in
            groups[group].map { DeltaReport.GroupStatistics(group: group, statistics: $0.statistics(dropRates: Self.dropRates)) }
        }
        return DeltaReport(
            model: name, groups: perGroup, overall: overall.statistics(dropRates: Self.dropRates), skipped: skipped)
    }

    /// Rows are decoded in blocks of about this many elements (whole rows), then measured row
    /// by row: fewer calls into a source whose decoding has a fixed cost per call (a LoRA
    /// update decodes its basis rows on every call).
    static let blockElements = 1 << 16

    /// One tensor, row by row (a 0-d or 1-d tensor acts as the diagonal matrix diag(θ)).
    private func measure(_ name: String, fineTuned: any TensorSource, base: any TensorSource) -> DeltaAccumulator {
        let shape = fineTuned.shape
        let count = fineTuned.elementCount
        let isDiagonal = shape.count <= 1
        let rowLength = isDiagonal ? max(count, 1) : max(shape[shape.count - 1], 1)
        var sums = DeltaAccumulator(bounds: Self.smallDeltaBounds.count, dropRates: Self.dropRates.count)
        sums.tensors = 1
        sums.elements = count
        guard count > 0 else { return sums }
        defer {
            fineTuned.releasePages(0..<count)
            base.releasePages(0..<count)
        }

        let probeStream = TensorSeed(seed: Self.probeSeed, tensorName: name, sourcePosition: 0)
        let probe = (0..<rowLength).map { 2 * probeStream.uniform(at: $0) - 1 }
        let maskStream = TensorSeed(seed: Self.maskSeed, tensorName: name, sourcePosition: 0)
        let keepBelow = Self.dropRates.map { 1 - $0 }
        let rescaleExcess = Self.dropRates.map { 1 / (1 - $0) - 1 }
        let bounds = Self.smallDeltaBounds
        var rescaledRow = [Double](repeating: 0, count: keepBelow.count)
        var dropOnlyRow = [Double](repeating: 0, count: keepBelow.count)
        let blockLength = max(1, Self.blockElements / rowLength) * rowLength
        let tuned = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockLength)
        defer { tuned.deallocate() }
        let original = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockLength)
        defer { original.deallocate() }

        var blockStart = 0
        while blockStart < count {
            let blockEnd = min(blockStart + blockLength, count)
            fineTuned.decode(blockStart..<blockEnd, into: UnsafeMutableBufferPointer(rebasing: tuned[0..<(blockEnd - blockStart)]))
            base.decode(blockStart..<blockEnd, into: UnsafeMutableBufferPointer(rebasing: original[0..<(blockEnd - blockStart)]))
            if blockEnd < count {
                fineTuned.releasePages(blockStart..<blockEnd)
                base.releasePages(blockStart..<blockEnd)
            }
            var rowStart = blockStart
            while rowStart < blockEnd {
                let length = min(rowLength, blockEnd - rowStart)
                let tunedRow = UnsafeMutableBufferPointer(rebasing: tuned[(rowStart - blockStart)..<(rowStart - blockStart + length)])
                let baseRow = UnsafeMutableBufferPointer(rebasing: original[(rowStart - blockStart)..<(rowStart - blockStart + length)])
                var output = 0.0
                for p in keepBelow.indices {
                    rescaledRow[p] = 0
                    dropOnlyRow[p] = 0
                }
                for c in 0..<length {
                    let b = Double(baseRow[c])
                    let w = Double(tunedRow[c])
                    let delta = w - b
                    let magnitude = abs(delta)
                    sums.absoluteSum += magnitude
                    sums.maxAbsolute = max(sums.maxAbsolute, magnitude)
                    for i in bounds.indices where magnitude <= bounds[i] { sums.within[i] += 1 }
                    sums.deltaSquares += delta * delta
                    sums.baseSquares += b * b
                    let x = probe[c]
                    let u = maskStream.uniform(at: rowStart + c)
                    if isDiagonal {
                        sums.outputSquares += (w * x) * (w * x)
                    } else {
                        output += w * x
                    }
                    for p in keepBelow.indices {
                        let kept = u < keepBelow[p]
                        // ΔW = DARE(δ) − δ: kept entries grow by δ·(1/(1−p) − 1), dropped ones lose δ.
                        let rescaled = (kept ? delta * rescaleExcess[p] : -delta) * x
                        let dropOnly = kept ? 0 : -delta * x
                        if isDiagonal {
                            sums.rescaledErrorSquares[p] += rescaled * rescaled
                            sums.dropOnlyErrorSquares[p] += dropOnly * dropOnly
                        } else {
                            rescaledRow[p] += rescaled
                            dropOnlyRow[p] += dropOnly
                        }
                    }
                }
                if !isDiagonal {
                    sums.outputSquares += output * output
                    for p in keepBelow.indices {
                        sums.rescaledErrorSquares[p] += rescaledRow[p] * rescaledRow[p]
                        sums.dropOnlyErrorSquares[p] += dropOnlyRow[p] * dropOnlyRow[p]
                    }
                }
                rowStart += length
            }
            blockStart = blockEnd
        }
        return sums
    }
}
