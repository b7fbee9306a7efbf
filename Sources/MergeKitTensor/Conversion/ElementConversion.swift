/// Bulk conversion between stored little-endian tensor bytes and `Float` working buffers.
///
/// Sources and destinations of raw bytes may be unaligned (tensor data in a safetensors file
/// starts wherever the previous tensor ended), so every element goes through `loadUnaligned` /
/// `storeBytes`, which compile to plain moves on x86-64 and arm64.
public enum ElementConversion {
    /// Decodes `dst.count` elements of `dtype` from `src` into `dst`.
    ///
    /// - Precondition: `src.count == dst.count * dtype.byteSize` (a programmer error: callers
    ///   size both from a validated header).
    public static func decode(
        _ src: UnsafeRawBufferPointer, as dtype: FloatDType, into dst: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(
            src.count == dst.count * dtype.byteSize,
            "ElementConversion.decode: \(src.count) bytes for \(dst.count) × \(dtype)")
        guard let input = src.baseAddress, let output = dst.baseAddress else { return }
        let count = dst.count
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(output).copyMemory(from: input, byteCount: src.count)
        case .bf16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
                output[i] = BFloat16Conversion.decode(bits)
            }
        case .f16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
                output[i] = Float16Conversion.decode(bits)
            }
        case .f64:
            for i in 0..<count {
                let bits = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 8 &* i, as: UInt64.self))
                output[i] = Float(Double(bitPattern: bits))
            }
        }
    }

    /// Encodes `src` as `dtype` into `dst`, rounding to nearest even where `dtype` is narrower.
    ///
    /// - Precondition: `dst.count == src.count * dtype.byteSize` (a programmer error).
    public static func encode(
        _ src: UnsafeBufferPointer<Float>, as dtype: FloatDType, into dst: UnsafeMutableRawBufferPointer
    ) {
        precondition(
            dst.count == src.count * dtype.byteSize,
            "ElementConversion.encode: \(dst.count) bytes for \(src.count) × \(dtype)")
        guard let input = src.baseAddress, let output = dst.baseAddress else { return }
        let count = src.count
        switch dtype {
        case .f32:
            output.copyMemory(from: input, byteCount: dst.count)
        case .bf16:
            for i in 0..<count {
                let bits = BFloat16Conversion.encode(input[i])
                output.storeBytes(of: bits.littleEndian, toByteOffset: 2 &* i, as: UInt16.self)
            }
        case .f16:
            for i in 0..<count {
                let bits = Float16Conversion.encode(input[i])
                output.storeBytes(of: bits.littleEndian, toByteOffset: 2 &* i, as: UInt16.self)
            }
        case .f64:
            for i in 0..<count {
                let bits = Double(input[i]).bitPattern
                output.storeBytes(of: bits.littleEndian, toByteOffset: 8 &* i, as: UInt64.self)
            }
        }
    }
}
