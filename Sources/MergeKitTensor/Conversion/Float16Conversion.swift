/// Conversion between IEEE 754 binary16 bit patterns and `Float`.
///
/// Implemented on bit patterns rather than through `Swift.Float16`, so the rounding is explicit
/// and the bulk loops inline: round-to-nearest-even, overflow to ±Inf (from 65520 up),
/// subnormals exact in both directions, NaN kept as a quiet NaN with its sign and the upper
/// payload bits.
public enum Float16Conversion {
    /// The `Float` with exactly the value of `bits` (every binary16 value is a binary32 value).
    @inline(__always)
    public static func decode(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) &<< 16
        let exponent = UInt32(bits & 0x7C00)
        let magnitude = UInt32(bits & 0x7FFF) &<< 13
        if exponent == 0x7C00 {
            return Float(bitPattern: sign | 0x7F80_0000 | magnitude)
        }
        if exponent == 0 {
            // Subnormal or zero: m × 2⁻²⁴. Placing m in the mantissa of 2⁻¹⁴ and subtracting
            // 2⁻¹⁴ is exact and lets the FPU normalise.
            let scaled = Float(bitPattern: magnitude | 0x3880_0000) - Float(bitPattern: 0x3880_0000)
            return Float(bitPattern: sign | scaled.bitPattern)
        }
        return Float(bitPattern: sign | (magnitude &+ 0x3800_0000))
    }

    /// `value` rounded to the nearest binary16, ties to even.
    @inline(__always)
    public static func encode(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits & 0x8000_0000) &>> 16)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude >= 0x4780_0000 {
            // |value| ≥ 2¹⁶ (or Inf, NaN): beyond every finite binary16.
            if magnitude > 0x7F80_0000 {
                return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude &>> 13) & 0x03FF)
            }
            return sign | 0x7C00
        }
        if magnitude < 0x3880_0000 {
            // Below 2⁻¹⁴ the result is subnormal or zero. Adding 0.5 aligns the value so that
            // the FPU's own round-to-nearest-even drops exactly the bits binary16 cannot keep.
            let aligned = Float(bitPattern: magnitude) + Float(bitPattern: 0x3F00_0000)
            return sign | UInt16(truncatingIfNeeded: aligned.bitPattern &- 0x3F00_0000)
        }
        // Normal: rebias the exponent and round the 13 dropped bits to nearest even; a carry
        // into the exponent rounds up to the next binade or to Inf (from 65520 up).
        let keptLowBit = (magnitude &>> 13) & 1
        let rounded = magnitude &+ 0xC800_0FFF &+ keptLowBit
        return sign | UInt16(truncatingIfNeeded: rounded &>> 13)
    }
}
