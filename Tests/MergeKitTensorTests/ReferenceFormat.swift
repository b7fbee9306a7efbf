import Foundation

/// An independent model of a small binary floating-point format, computed with `Double`
/// arithmetic on values rather than with bit tricks, to check the conversions against.
struct ReferenceFormat: Sendable {
    let exponentBits: Int
    let fractionBits: Int

    static let bfloat16 = ReferenceFormat(exponentBits: 8, fractionBits: 7)
    static let float16 = ReferenceFormat(exponentBits: 5, fractionBits: 10)

    var bias: Int { (1 << (exponentBits - 1)) - 1 }
    var minimumNormalExponent: Int { 1 - bias }
    var exponentFieldMax: UInt16 { UInt16((1 << exponentBits) - 1) }
    var signBit: UInt16 { 1 << 15 }
    var infinityBits: UInt16 { exponentFieldMax << UInt16(fractionBits) }
    var quietBit: UInt16 { 1 << UInt16(fractionBits - 1) }
    var largestFinite: Double { (2 - pow(2, Double(-fractionBits))) * pow(2, Double(bias)) }

    func isNaN(_ bits: UInt16) -> Bool {
        bits & ~signBit > infinityBits
    }

    /// The exact value of `bits` (NaN for NaN patterns).
    func value(of bits: UInt16) -> Double {
        let sign: Double = bits & signBit != 0 ? -1 : 1
        let exponentField = Int((bits & ~signBit) >> UInt16(fractionBits))
        let fraction = Double(bits & ((1 << UInt16(fractionBits)) - 1))
        if exponentField == Int(exponentFieldMax) {
            return fraction == 0 ? sign * .infinity : .nan
        }
        if exponentField == 0 {
            return sign * fraction * pow(2, Double(minimumNormalExponent - fractionBits))
        }
        return sign * (1 + fraction / pow(2, Double(fractionBits))) * pow(2, Double(exponentField - bias))
    }

    /// The bits of the value nearest to `x` (not NaN), ties to even, overflowing to infinity.
    func nearestBits(to x: Double) -> UInt16 {
        let sign: UInt16 = x.sign == .minus ? signBit : 0
        let magnitude = abs(x)
        if magnitude.isInfinite { return sign | infinityBits }
        if magnitude == 0 { return sign }
        let exponent = max(Int(magnitude.exponent), minimumNormalExponent)
        let quantum = pow(2, Double(exponent - fractionBits))
        let rounded = (magnitude / quantum).rounded(.toNearestOrEven) * quantum
        if rounded > largestFinite { return sign | infinityBits }
        if rounded == 0 { return sign }
        if rounded < pow(2, Double(minimumNormalExponent)) {
            return sign | UInt16(rounded / pow(2, Double(minimumNormalExponent - fractionBits)))
        }
        let roundedExponent = Int(rounded.exponent)
        let fraction = UInt16((rounded / pow(2, Double(roundedExponent)) - 1) * pow(2, Double(fractionBits)))
        return sign | UInt16(roundedExponent + bias) << UInt16(fractionBits) | fraction
    }

    /// Floats around every rounding boundary of this format and of binary32's top 16 bits:
    /// each representable value, the midpoints to its neighbour (exact ties), one float ulp
    /// either side of both, and values past the largest finite and below the smallest subnormal.
    func encodeProbes() -> [Float] {
        var probes: [Float] = []
        for high in UInt32(0)...0xFFFF {
            for low: UInt32 in [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF] {
                probes.append(Float(bitPattern: high << 16 | low))
            }
        }
        for bits in UInt16(0)..<infinityBits {
            let value = self.value(of: bits)
            let next = bits + 1 == infinityBits ? pow(2, Double(bias + 1)) : self.value(of: bits + 1)
            for point in [Float(value), Float((value + next) / 2)] {
                probes += [point, point.nextUp, point.nextDown, -point, -point.nextUp, -point.nextDown]
            }
        }
        return probes.filter { !$0.isNaN }
    }
}
