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
        _ = decodeCountingNonFinite(src, as: dtype, into: dst)
    }

    /// `decode`, returning how many of the decoded values are NaN or ±Inf (counted in the same
    /// pass, so checking the inputs costs no second read of the chunk).
    ///
    /// - Precondition: `src.count == dst.count * dtype.byteSize`, as for `decode`.
    public static func decodeCountingNonFinite(
        _ src: UnsafeRawBufferPointer, as dtype: FloatDType, into dst: UnsafeMutableBufferPointer<Float>
    ) -> Int {
        precondition(
            src.count == dst.count * dtype.byteSize,
            "ElementConversion.decode: \(src.count) bytes for \(dst.count) × \(dtype)")
        guard let input = src.baseAddress, let output = dst.baseAddress else { return 0 }
        let count = dst.count
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(output).copyMemory(from: input, byteCount: src.count)
            return nonFiniteCount(UnsafeBufferPointer(dst))
        case .bf16:
            return decodeBFloat16(input, into: output, count: count)
        case .f16:
            var found = 0
            for i in 0..<count {
                let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
                output[i] = Float16Conversion.decode(bits)
                found &+= Int(truncatingIfNeeded: ((bits &>> 10) & 0x1F) &+ 1) &>> 5
            }
            return found
        case .f64:
            for i in 0..<count {
                let bits = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 8 &* i, as: UInt64.self))
                output[i] = Float(Double(bitPattern: bits))
            }
            return nonFiniteCount(UnsafeBufferPointer(dst))
        }
    }

    /// NaN or ±Inf among `values` (all exponent bits set), eight lanes at a time.
    public static func nonFiniteCount(_ values: UnsafeBufferPointer<Float>) -> Int {
        guard let base = values.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var lanes = SIMD8<UInt32>()
        var i = 0
        while i &+ 8 <= values.count {
            lanes &+= nonFiniteLanes(raw.loadUnaligned(fromByteOffset: 4 &* i, as: SIMD8<UInt32>.self))
            i &+= 8
        }
        var found = Int(lanes.wrappedSum())
        while i < values.count {
            found &+= Int(truncatingIfNeeded: ((values[i].bitPattern &>> 23) & 0xFF) &+ 1) &>> 8
            i &+= 1
        }
        return found
    }

    /// 1 in each lane whose binary32 exponent is all ones (NaN, ±Inf), else 0: (e + 1) >> 8.
    @inline(__always)
    private static func nonFiniteLanes(_ bits: SIMD8<UInt32>) -> SIMD8<UInt32> {
        (((bits &>> 23) & 0xFF) &+ 1) &>> 8
    }

    /// bfloat16 is the upper half of a binary32: widen eight at a time (the loads and stores are
    /// unaligned; tensor data starts anywhere) and count the non-finite ones on the way.
    private static func decodeBFloat16(_ input: UnsafeRawPointer, into output: UnsafeMutablePointer<Float>, count: Int) -> Int {
        var i = 0
        var found = 0
        #if _endian(little)
        let target = UnsafeMutableRawPointer(output)
        var lanes = SIMD8<UInt32>()
        while i &+ 8 <= count {
            let halves = input.loadUnaligned(fromByteOffset: 2 &* i, as: SIMD8<UInt16>.self)
            let bits = SIMD8<UInt32>(truncatingIfNeeded: halves) &<< 16
            target.storeBytes(of: bits, toByteOffset: 4 &* i, as: SIMD8<UInt32>.self)
            lanes &+= nonFiniteLanes(bits)
            i &+= 8
        }
        found = Int(lanes.wrappedSum())
        #endif
        while i < count {
            let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
            output[i] = BFloat16Conversion.decode(bits)
            found &+= Int(truncatingIfNeeded: ((bits &>> 7) & 0xFF) &+ 1) &>> 8
            i &+= 1
        }
        return found
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
