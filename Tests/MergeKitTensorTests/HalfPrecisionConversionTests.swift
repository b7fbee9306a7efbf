import MergeKitTensor
import Testing

/// One of the two 16-bit formats, with its scalar conversions and independent reference.
struct HalfFormat: Sendable, CustomTestStringConvertible {
    let name: String
    let reference: ReferenceFormat
    let decode: @Sendable (UInt16) -> Float
    let encode: @Sendable (Float) -> UInt16

    var testDescription: String { name }

    static let bfloat16 = HalfFormat(
        name: "bfloat16", reference: .bfloat16,
        decode: BFloat16Conversion.decode, encode: BFloat16Conversion.encode)
    static let float16 = HalfFormat(
        name: "float16", reference: .float16,
        decode: Float16Conversion.decode, encode: Float16Conversion.encode)
    static let all = [bfloat16, float16]
}

private func hex(_ value: some BinaryInteger) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}

@Suite("BF16 and F16 conversion")
struct HalfPrecisionConversionTests {
    @Test("decode is exact for all 65,536 bit patterns", arguments: HalfFormat.all)
    func decodeMatchesReference(format: HalfFormat) {
        var failures: [String] = []
        for bits in UInt16.min...UInt16.max {
            let decoded = format.decode(bits)
            let expected = format.reference.value(of: bits)
            if format.reference.isNaN(bits) {
                if !decoded.isNaN || decoded.sign != (bits & 0x8000 != 0 ? .minus : .plus) {
                    failures.append("\(hex(bits)) → \(decoded), expected NaN with the same sign")
                }
            } else if Double(decoded) != expected || decoded.sign != expected.sign {
                failures.append("\(hex(bits)) → \(decoded), expected \(expected)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
    }

    @Test("decode then encode returns every bit pattern (NaN stays NaN, made quiet)", arguments: HalfFormat.all)
    func roundTripsAllBitPatterns(format: HalfFormat) {
        var failures: [String] = []
        for bits in UInt16.min...UInt16.max {
            let roundTripped = format.encode(format.decode(bits))
            let expected = format.reference.isNaN(bits) ? bits | format.reference.quietBit : bits
            if roundTripped != expected {
                failures.append("\(hex(bits)) → \(hex(roundTripped)), expected \(hex(expected))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
    }

    @Test("encode rounds to nearest even at every boundary", arguments: HalfFormat.all)
    func encodeMatchesReference(format: HalfFormat) {
        let probes = format.reference.encodeProbes()
        var failures: [String] = []
        for value in probes {
            let encoded = format.encode(value)
            let expected = format.reference.nearestBits(to: Double(value))
            if encoded != expected {
                failures.append("\(value) (\(hex(value.bitPattern))) → \(hex(encoded)), expected \(hex(expected))")
            }
        }
        #expect(probes.count > 400_000)
        #expect(failures.isEmpty, "\(failures.count) of \(probes.count) failures, first: \(failures.prefix(5))")
    }

    @Test("encode keeps NaN a NaN with its sign, whatever its payload", arguments: HalfFormat.all)
    func encodeKeepsNaN(format: HalfFormat) {
        let nanPatterns: [UInt32] = [
            0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0xFF80_0001, 0x7F80_FFFF, 0x7FBF_FFFF, 0x7F81_0000, 0xFFFF_FFFF,
        ]
        for pattern in nanPatterns {
            let encoded = format.encode(Float(bitPattern: pattern))
            let decoded = format.decode(encoded)
            #expect(decoded.isNaN, "\(hex(pattern)) → \(hex(encoded))")
            #expect(encoded & format.reference.quietBit != 0, "\(hex(pattern)) → \(hex(encoded)) is not quiet")
            #expect((encoded & 0x8000 != 0) == (pattern & 0x8000_0000 != 0), "\(hex(pattern)) lost its sign")
        }
    }

    struct Golden: Sendable, CustomTestStringConvertible {
        let input: Float
        let bits: UInt16
        let why: String
        var testDescription: String { why }
    }

    @Test(arguments: [
        Golden(input: 1, bits: 0x3F80, why: "1.0 is exact"),
        Golden(input: Float(bitPattern: 0x3F80_8000), bits: 0x3F80, why: "tie between 0x3F80 and 0x3F81 goes to even 0x3F80"),
        Golden(input: Float(bitPattern: 0x3F81_8000), bits: 0x3F82, why: "tie between 0x3F81 and 0x3F82 goes to even 0x3F82"),
        Golden(input: Float(bitPattern: 0x3F80_8001), bits: 0x3F81, why: "just above a tie rounds up"),
        Golden(input: .greatestFiniteMagnitude, bits: 0x7F80, why: "Float.max is past bf16's max + half ulp: Inf"),
        Golden(input: Float(bitPattern: 0x7F7F_7FFF), bits: 0x7F7F, why: "just below the overflow tie stays finite"),
        Golden(input: Float(bitPattern: 0x0000_8000), bits: 0x0000, why: "subnormal tie goes to even zero"),
        Golden(input: Float(bitPattern: 0x0001_8000), bits: 0x0002, why: "subnormal tie goes to even 2"),
        Golden(input: -0.0, bits: 0x8000, why: "negative zero keeps its sign"),
    ])
    func bfloat16Golden(_ golden: Golden) {
        #expect(BFloat16Conversion.encode(golden.input) == golden.bits)
    }

    @Test(arguments: [
        Golden(input: 1, bits: 0x3C00, why: "1.0 is exact"),
        Golden(input: 65504, bits: 0x7BFF, why: "largest finite"),
        Golden(input: 65519.996, bits: 0x7BFF, why: "below the overflow tie stays finite"),
        Golden(input: 65520, bits: 0x7C00, why: "overflow tie goes to even: Inf"),
        Golden(input: 0x1p-24, bits: 0x0001, why: "smallest subnormal"),
        Golden(input: 0x1p-25, bits: 0x0000, why: "half the smallest subnormal ties to even zero"),
        Golden(input: 0x1.000002p-25, bits: 0x0001, why: "just above half the smallest subnormal rounds up"),
        Golden(input: 0x1.8p-24, bits: 0x0002, why: "1.5 × 2⁻²⁴ ties to even 2"),
        Golden(input: 0x1.ff8p-15, bits: 0x03FF, why: "largest subnormal"),
        Golden(input: 0x1.ffcp-15, bits: 0x0400, why: "tie above the largest subnormal goes to even: smallest normal"),
        Golden(input: 1 + 0x1p-11, bits: 0x3C00, why: "tie after 1.0 goes to even 1.0"),
        Golden(input: 1 + 0x1.8p-10, bits: 0x3C02, why: "tie after 1 + ulp goes to even 1 + 2 ulp"),
        Golden(input: -.infinity, bits: 0xFC00, why: "negative infinity"),
    ])
    func float16Golden(_ golden: Golden) {
        #expect(Float16Conversion.encode(golden.input) == golden.bits)
    }
}
