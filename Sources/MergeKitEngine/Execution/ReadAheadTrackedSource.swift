/// A job's reduction-pass source that tells the read-ahead how far the passes have read, so it
/// stays ahead of a large tensor's first pass (the map pass reports its own chunks).
struct ReadAheadTrackedSource: ChunkSource {
    let reader: ChunkReader
    let reached: (Range<Int>) -> Void

    func forEachChunk(_ body: (InputChunk) throws -> Void) throws {
        try reader.forEachChunk { chunk in
            reached(chunk.elements)
            try body(chunk)
        }
    }
}
