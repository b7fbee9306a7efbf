/// Selection keys of task-vector magnitudes: stream s ranks |x − base| of input `inputs[s]` by
/// its Float bit pattern (for non-negative floats the bit patterns order exactly like the
/// values). Computed per element as it is read, in Float as torch does, so magnitudes order
/// exactly like mergekit's.
struct TaskVectorMagnitudeKeys: SelectionKeys {
    var base: Int
    var inputs: [Int]

    struct Keys: SelectionKeyView {
        let values: UnsafeBufferPointer<Float>
        let base: UnsafeBufferPointer<Float>

        @inline(__always)
        subscript(_ index: Int) -> UInt32 {
            (values[index] - base[index]).magnitude.bitPattern
        }
    }

    func keys(of stream: Int, in chunk: InputChunk) -> Keys {
        Keys(values: chunk.inputs[inputs[stream]], base: chunk.inputs[base])
    }
}
