public import MergeKitSafetensors
public import MergeKitTensor

/// One input tensor, wherever its elements come from: a safetensors entry, a tensor inside a
/// PyTorch zip checkpoint (possibly a strided view of a shared storage), or a base weight with a
/// LoRA adapter applied. Everything a merge needs goes through this: the shape and stored dtype
/// for planning, row-major elements decoded to Float32 for the map and reduction passes, the
/// stored bytes for byte-for-byte copies, and page advice so streaming keeps memory flat.
///
/// Sources are validated when they are opened, so reading cannot fail: every check that
/// depends only on headers, pickles and configs has already run.
public protocol TensorSource: Sendable {
    /// The tensor's name in the file that holds it (for messages).
    var name: String { get }
    /// The file the elements are read from (for messages).
    var file: String { get }
    /// The stored element type: the default output dtype and what a recipe's `dtype:` rounds from.
    var dtype: DType { get }
    var shape: [Int] { get }
    var elementCount: Int { get }

    /// Calls `body` with the tensor's bytes when they are stored as its elements in row-major
    /// order (little-endian `dtype`), so an identity merge can copy them; returns nil (without
    /// calling `body`) for strided views and computed tensors.
    func withStoredBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result?

    /// Whether `withStoredBytes` gives the bytes, said without reading them: a planner asks it
    /// of tensors whose data may not be readable yet (a Hub shard known by its header only).
    var hasStoredBytes: Bool { get }

    /// Decodes the row-major flat elements `elements` into `target` as Float32.
    ///
    /// - Precondition: `dtype.isMergeable`, `elements` lies within `0..<elementCount` and
    ///   `target.count == elements.count`.
    func decode(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>)

    /// `decode`, returning how many of the decoded values are NaN or ±Inf. A source that can
    /// count while it decodes (no second pass over the chunk) implements it; the others get a
    /// count after decoding.
    func decodeCountingNonFinite(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) -> Int

    /// Drops the mapped pages that held `elements` once they are consumed (advice only).
    func releasePages(_ elements: Range<Int>)

    /// Starts reading the pages that hold `elements` ahead of use (advice only).
    func prefetch(_ elements: Range<Int>)

    /// An error if a file the elements are read from is now shorter than when it was mapped
    /// (nil otherwise). Decoding reports a shrunken file through `MappedFile.truncationError`;
    /// this is for callers that hand stored bytes to a system call, which fails with EFAULT
    /// instead of faulting.
    func shrinkError() -> SafetensorsError?
}

extension TensorSource {
    public func decodeCountingNonFinite(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) -> Int {
        decode(elements, into: target)
        return ElementConversion.nonFiniteCount(UnsafeBufferPointer(target))
    }

    public var hasStoredBytes: Bool { withStoredBytes { _ in () } != nil }

    /// The bytes the tensor occupies in its stored dtype.
    public var storedByteCount: Int { elementCount * dtype.byteSize }
}
