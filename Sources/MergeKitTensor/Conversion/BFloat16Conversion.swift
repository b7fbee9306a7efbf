/// Conversion between bfloat16 bit patterns and `Float`.
///
/// bfloat16 is the upper half of a binary32, so decoding is exact and encoding only has to round
/// away the low 16 bits: round-to-nearest-even, overflow to ±Inf, subnormals handled by the
/// same integer rounding (they share binary32's exponent range). NaN is kept as a quiet NaN with
/// its sign and the upper payload bits; truncation alone could turn a NaN whose payload sits in
/// the low bits into Inf.
public enum BFloat16Conversion {
    /// The `Float` with exactly the value of `bits` (NaN payloads are kept as they are).
    @inline(__always)
    public static func decode(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) &<< 16)
    }

    /// `value` rounded to the nearest bfloat16, ties to even.
    @inline(__always)
    public static func encode(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: bits &>> 16) | 0x0040
        }
        // Adding 0x7FFF rounds halves down; the extra 1 from an odd kept bit makes ties go to
        // even. A carry into the exponent is exactly the rounding up to the next binade or Inf.
        let roundingBias = 0x7FFF &+ ((bits &>> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) &>> 16)
    }
}
