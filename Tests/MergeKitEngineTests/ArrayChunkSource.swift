import MergeKitEngine

/// A `ChunkSource` over in-memory inputs, cut into chunks of `rowsPerChunk` whole rows, so that
/// methods can be run on hand-made tensors (and on several chunkings of them).
struct ArrayChunkSource: ChunkSource {
    var inputs: [[Float]]
    var rowLength: Int
    var rowsPerChunk: Int

    var ranges: [Range<Int>] {
        let total = inputs.first?.count ?? 0
        let step = max(1, rowsPerChunk * rowLength)
        return stride(from: 0, to: total, by: step).map { $0..<min($0 + step, total) }
    }

    func forEachChunk(_ body: (InputChunk) throws -> Void) throws {
        for range in ranges {
            try withChunk(range, body)
        }
    }

    func withChunk<Result>(_ range: Range<Int>, _ body: (InputChunk) throws -> Result) rethrows -> Result {
        let copies = inputs.map { Array($0[range]) }
        let buffers = copies.map { copy -> UnsafeMutableBufferPointer<Float> in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(copy.count, 1))
            _ = buffer.initialize(from: copy)
            return buffer
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        let views = buffers.enumerated().map { UnsafeBufferPointer(rebasing: $1[0..<copies[$0].count]) }
        return try body(InputChunk(elements: range, inputs: views))
    }

    /// Runs a prepared merge on these inputs (the reductions, then the map pass chunk by chunk).
    func merge(_ prepared: any PreparedMerge) throws -> [Float] {
        let kernel = try prepared.makeKernel(source: self)
        var output = [Float](repeating: .nan, count: inputs.first?.count ?? 0)
        for range in ranges {
            withChunk(range) { chunk in
                output.withUnsafeMutableBufferPointer { all in
                    kernel.merge(chunk, into: UnsafeMutableBufferPointer(rebasing: all[range]))
                }
            }
        }
        return output
    }
}
