/// Where the elements of a tensor view live in its storage: PyTorch's (shape, strides, storage
/// offset), all counted in elements. Several views may share one storage, start part-way into
/// it, or step through it out of row-major order (a transpose, a column).
///
/// Built from untrusted pickle values, so every count is overflow-checked and every element
/// the view can reach is checked to lie inside the storage before anything is read.
public struct StridedLayout: Sendable, Equatable {
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    public let elementCount: Int
    /// The row-major flat indices [k·runLength, (k+1)·runLength) are consecutive in storage:
    /// the trailing dimensions whose strides are those of a contiguous tensor.
    public let runLength: Int
    /// The leading dimensions that are not folded into runs.
    public let outerRank: Int
    /// The storage elements the view can touch (empty for an empty view).
    public let span: Range<Int>

    /// What makes a layout unusable, for the error message.
    public enum Problem: Error, Equatable, Sendable {
        case rankMismatch(shape: [Int], strides: [Int])
        case negativeDimension(shape: [Int])
        case negativeStride(strides: [Int])
        case negativeOffset(Int)
        case overflow
        /// The view reaches storage element `lastElement`, past the storage's `storageElements`.
        case outsideStorage(lastElement: Int, storageElements: Int)
    }

    /// The layout of a view, checked against a storage of `storageElements` elements.
    public static func make(
        shape: [Int], strides: [Int], offset: Int, storageElements: Int
    ) -> Result<StridedLayout, Problem> {
        guard shape.count == strides.count else { return .failure(.rankMismatch(shape: shape, strides: strides)) }
        guard shape.allSatisfy({ $0 >= 0 }) else { return .failure(.negativeDimension(shape: shape)) }
        guard strides.allSatisfy({ $0 >= 0 }) else { return .failure(.negativeStride(strides: strides)) }
        guard offset >= 0 else { return .failure(.negativeOffset(offset)) }
        var elementCount = 1
        var lastElement = offset
        for (dimension, stride) in zip(shape, strides) {
            let (count, countOverflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !countOverflow else { return .failure(.overflow) }
            elementCount = count
            guard dimension > 0 else { continue }
            let (reach, reachOverflow) = (dimension - 1).multipliedReportingOverflow(by: stride)
            let (last, lastOverflow) = lastElement.addingReportingOverflow(reach)
            guard !reachOverflow, !lastOverflow else { return .failure(.overflow) }
            lastElement = last
        }
        let span: Range<Int>
        if elementCount == 0 {
            span = offset..<offset
        } else {
            guard lastElement < storageElements else {
                return .failure(.outsideStorage(lastElement: lastElement, storageElements: storageElements))
            }
            span = offset..<(lastElement + 1)
        }
        let (outerRank, runLength) = elementCount == 0 ? (0, 1) : runs(shape: shape, strides: strides)
        return .success(StridedLayout(
            shape: shape, strides: strides, offset: offset, elementCount: elementCount,
            runLength: runLength, outerRank: outerRank, span: span))
    }

    /// Whether the view is its storage elements [offset, offset + elementCount) in order.
    public var isContiguous: Bool { runLength >= elementCount }

    /// How many trailing dimensions fold into runs, and the run length: walking from the last
    /// dimension, each whose stride is the product of the sizes after it (size-1 dimensions
    /// never matter). The dimensions before `outerRank` step through storage by their strides.
    /// The run is at most the (checked, nonzero) element count, so it cannot overflow.
    private static func runs(shape: [Int], strides: [Int]) -> (outerRank: Int, runLength: Int) {
        var run = 1
        for dimension in shape.indices.reversed() {
            if shape[dimension] == 1 { continue }
            guard strides[dimension] == run else { return (dimension + 1, run) }
            run *= shape[dimension]
        }
        return (0, run)
    }

    /// Calls `body(storageElement, count, targetIndex)` for each run of consecutive storage
    /// elements that the flat elements `elements` cover, in order; `targetIndex` counts from
    /// `elements.lowerBound`.
    ///
    /// - Precondition: `elements` lies within `0..<elementCount`.
    public func forEachRun(_ elements: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        precondition(elements.lowerBound >= 0 && elements.upperBound <= elementCount,
                     "StridedLayout: elements \(elements) outside \(elementCount)")
        guard !elements.isEmpty else { return }
        if isContiguous {
            body(offset + elements.lowerBound, elements.count, 0)
            return
        }
        var index = elements.lowerBound
        while index < elements.upperBound {
            let run = index / runLength
            let within = index % runLength
            let count = min(runLength - within, elements.upperBound - index)
            body(storageElement(ofRun: run) + within, count, index - elements.lowerBound)
            index += count
        }
    }

    /// The storage element where run `run` starts: the run index spelled out over the outer
    /// dimensions, each digit times its stride.
    private func storageElement(ofRun run: Int) -> Int {
        var remaining = run
        var element = offset
        for dimension in (0..<outerRank).reversed() {
            let size = shape[dimension]
            element += (remaining % size) * strides[dimension]
            remaining /= size
        }
        return element
    }
}
