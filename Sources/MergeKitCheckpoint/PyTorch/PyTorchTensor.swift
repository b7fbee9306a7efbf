public import MergeKitSafetensors
public import MergeKitTensor

/// A tensor of a PyTorch zip checkpoint: a view (offset, shape, strides) of a storage whose
/// bytes are an uncompressed member of the archive, read in place in the file's memory map.
/// A contiguous view is one byte range of the file, exactly like a safetensors tensor; other
/// views are gathered run by run (a run being the trailing dimensions that are contiguous).
public struct PyTorchTensor: TensorSource {
    public let name: String
    public let dtype: DType
    public let layout: StridedLayout
    /// The storage's key: its bytes are the archive member `<archive>/data/<key>`.
    public let storageKey: String
    /// Where the storage's bytes start in the file.
    public let storageStart: Int
    let mapping: MappedFile

    public var file: String { mapping.path }
    public var shape: [Int] { layout.shape }
    public var elementCount: Int { layout.elementCount }

    /// The tensor's bytes in the file when the view is contiguous (row-major, no gaps).
    public var contiguousByteRange: Range<Int>? {
        layout.isContiguous ? byteRange(ofStorageElements: layout.offset..<(layout.offset + layout.elementCount)) : nil
    }

    public func withStoredBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard let range = contiguousByteRange else { return nil }
        return try mapping.withBytes { bytes throws(Failure) in
            try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    public func decode(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(target.count == elements.count, "PyTorchTensor.decode: \(target.count) slots for \(elements.count) elements")
        // Planning decodes float tensors only; anything else reads as NaN, which the non-finite
        // check reports, rather than trapping.
        guard let format = FloatDType(dtype) else { return target.update(repeating: .nan) }
        mapping.withBytes { bytes in
            layout.forEachRun(elements) { storageElement, count, targetIndex in
                let source = byteRange(ofStorageElements: storageElement..<(storageElement + count))
                ElementConversion.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[source]), as: format,
                    into: UnsafeMutableBufferPointer(rebasing: target[targetIndex..<(targetIndex + count)]))
            }
        }
    }

    public func releasePages(_ elements: Range<Int>) {
        mapping.releasePages(pages(of: elements))
    }

    public func prefetch(_ elements: Range<Int>) {
        mapping.prefetch(pages(of: elements))
    }

    public func shrinkError() -> SafetensorsError? {
        mapping.shrinkError()
    }

    /// The bytes holding `elements`: exact for a contiguous view; for a strided one, everything
    /// the view can touch (advice must not drop less than was read, and such views are rare).
    private func pages(of elements: Range<Int>) -> Range<Int> {
        if layout.isContiguous {
            return byteRange(ofStorageElements: (layout.offset + elements.lowerBound)..<(layout.offset + elements.upperBound))
        }
        return byteRange(ofStorageElements: layout.span)
    }

    private func byteRange(ofStorageElements elements: Range<Int>) -> Range<Int> {
        let size = dtype.byteSize
        return (storageStart + elements.lowerBound * size)..<(storageStart + elements.upperBound * size)
    }
}
