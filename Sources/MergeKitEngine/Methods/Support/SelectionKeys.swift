/// What `RadixSelection` ranks: one or more streams of UInt32 keys over a tensor's elements
/// (larger key = ranked higher), read chunk by chunk. A stream must give the same keys every
/// time it sees the same chunk, since the selection reads the tensor several times.
protocol SelectionKeys {
    associatedtype Keys: SelectionKeyView
    /// The keys of `stream` for the elements of `chunk` (valid until the next call).
    func keys(of stream: Int, in chunk: InputChunk) -> Keys
}

/// The keys of one stream over one chunk, by element of the chunk.
protocol SelectionKeyView {
    subscript(_ index: Int) -> UInt32 { get }
}

extension UnsafeBufferPointer<UInt32>: SelectionKeyView {}
