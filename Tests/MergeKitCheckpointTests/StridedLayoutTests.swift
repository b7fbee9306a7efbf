import MergeKitCheckpoint
import Testing

@Suite struct StridedLayoutTests {
    private func layout(_ shape: [Int], _ strides: [Int], offset: Int = 0, storage: Int = 1000) throws -> StridedLayout {
        try StridedLayout.make(shape: shape, strides: strides, offset: offset, storageElements: storage).get()
    }

    /// The storage element of every flat index, from the runs.
    private func elements(_ layout: StridedLayout, _ range: Range<Int>) -> [Int] {
        var result: [Int] = []
        layout.forEachRun(range) { start, count, target in
            #expect(target == result.count)
            result += Array(start..<(start + count))
        }
        return result
    }

    /// The same by definition: Σ index_d · stride_d.
    private func reference(_ layout: StridedLayout, _ range: Range<Int>) -> [Int] {
        range.map { flat in
            var rest = flat
            var element = layout.offset
            for dimension in layout.shape.indices.reversed() {
                element += (rest % layout.shape[dimension]) * layout.strides[dimension]
                rest /= layout.shape[dimension]
            }
            return element
        }
    }

    @Test(arguments: [
        ([4, 6], [6, 1], 0), ([6, 4], [1, 6], 3), ([2, 3, 4], [12, 4, 1], 5), ([2, 3, 4], [24, 8, 1], 0),
        ([2, 3, 4], [1, 2, 6], 0), ([3, 1, 5], [5, 77, 1], 2), ([5], [3], 1), ([2, 2], [0, 1], 0), ([], [], 9),
    ])
    func runsVisitExactlyTheViewsElements(shape: [Int], strides: [Int], offset: Int) throws {
        let view = try layout(shape, strides, offset: offset)
        for range in [0..<view.elementCount, 1..<max(1, view.elementCount - 1), (view.elementCount / 2)..<view.elementCount] {
            #expect(elements(view, range) == reference(view, range), "\(range)")
        }
    }

    @Test func contiguityAndRunsFollowTheTrailingDimensions() throws {
        #expect(try layout([4, 6], [6, 1]).isContiguous)
        #expect(try layout([4, 6], [6, 1]).runLength == 24)
        #expect(try layout([3, 1, 5], [5, 77, 1]).isContiguous)
        let transposed = try layout([6, 4], [1, 6])
        #expect(!transposed.isContiguous)
        #expect(transposed.runLength == 1)
        #expect(transposed.span == 0..<24)
        let rows = try layout([2, 3, 4], [24, 8, 1])
        #expect(rows.runLength == 4)
        #expect(rows.outerRank == 2)
        #expect(try layout([0, 5], [5, 1], offset: 7).span == 7..<7)
    }

    @Test func aViewMustFitItsStorage() {
        #expect(throws: StridedLayout.Problem.outsideStorage(lastElement: 24, storageElements: 24)) {
            try StridedLayout.make(shape: [4, 6], strides: [6, 1], offset: 1, storageElements: 24).get()
        }
        #expect(throws: Never.self) {
            try StridedLayout.make(shape: [0, 6], strides: [6, 1], offset: 99, storageElements: 0).get()
        }
    }
}
