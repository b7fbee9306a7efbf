public import MergeKitSafetensors
public import MergeKitTensor

/// A tensor of a safetensors file as a `TensorSource`: its bytes are one contiguous run in
/// the mapping, read in place.
public struct SafetensorsTensor: TensorSource {
    public let container: SafetensorsFile
    public let info: TensorInfo

    /// - Precondition: `info` came from `container`'s header.
    public init(_ info: TensorInfo, in container: SafetensorsFile) {
        self.container = container
        self.info = info
    }

    public var name: String { info.name }
    public var file: String { container.path }
    public var dtype: DType { info.dtype }
    public var shape: [Int] { info.shape }
    public var elementCount: Int { info.elementCount }

    public func withStoredBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        try container.withData(of: info, body)
    }

    /// Always: a safetensors entry is its elements in order, whether or not the file is mapped.
    public var hasStoredBytes: Bool { true }

    public func decode(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) {
        _ = decodeCountingNonFinite(elements, into: target)
    }

    public func decodeCountingNonFinite(_ elements: Range<Int>, into target: UnsafeMutableBufferPointer<Float>) -> Int {
        // Planning decodes float tensors only; anything else reads as NaN (all of it counted as
        // non-finite, which the check reports) rather than trapping.
        guard let format = FloatDType(dtype) else {
            target.update(repeating: .nan)
            return target.count
        }
        let size = dtype.byteSize
        return container.withData(of: info) { bytes in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[(elements.lowerBound * size)..<(elements.upperBound * size)])
            return ElementConversion.decodeCountingNonFinite(slice, as: format, into: target)
        }
    }

    public func releasePages(_ elements: Range<Int>) {
        container.releasePages(of: info, bytes: byteRange(elements))
    }

    public func prefetch(_ elements: Range<Int>) {
        container.prefetch(of: info, bytes: byteRange(elements))
    }

    public func shrinkError() -> SafetensorsError? {
        container.shrinkError()
    }

    private func byteRange(_ elements: Range<Int>) -> Range<Int> {
        let size = dtype.byteSize
        return (elements.lowerBound * size)..<(elements.upperBound * size)
    }
}
