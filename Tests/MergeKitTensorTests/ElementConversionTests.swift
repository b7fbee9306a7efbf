import MergeKitTensor
import Testing

@Suite("Bulk element conversion")
struct ElementConversionTests {
    /// Values that exercise rounding, specials and subnormals in every mergeable dtype.
    static let values: [Float] = {
        var values: [Float] = [0, -0.0, 1, -1, 0.1, 1e-8, Float(bitPattern: 0x8000_5432), 65504, 65520, 1e30, .infinity, -.infinity, .nan]
        var state: UInt32 = 12345
        for _ in 0..<1000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let candidate = Float(bitPattern: state)
            values.append(candidate.isNaN ? Float(bitPattern: state & 0x3FFF_FFFF) : candidate)
        }
        return values
    }()

    /// Scalar encoding of one value as little-endian bytes: the ground truth for the bulk loops.
    static func scalarBytes(_ value: Float, as dtype: FloatDType) -> [UInt8] {
        switch dtype {
        case .bf16: return withUnsafeBytes(of: BFloat16Conversion.encode(value).littleEndian, Array.init)
        case .f16: return withUnsafeBytes(of: Float16Conversion.encode(value).littleEndian, Array.init)
        case .f64: return withUnsafeBytes(of: Double(value).bitPattern.littleEndian, Array.init)
        case .f32: return withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
        }
    }

    static func scalarDecode(_ bytes: ArraySlice<UInt8>, as dtype: FloatDType) -> Float {
        let word = bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        switch dtype {
        case .bf16: return BFloat16Conversion.decode(UInt16(word))
        case .f16: return Float16Conversion.decode(UInt16(word))
        case .f64: return Float(Double(bitPattern: word))
        case .f32: return Float(bitPattern: UInt32(word))
        }
    }

    @Test("bulk encode matches scalar encode at unaligned destinations", arguments: FloatDType.allCases, [0, 1, 3])
    func encodeMatchesScalar(dtype: FloatDType, misalignment: Int) {
        let values = Self.values
        let expected = values.flatMap { Self.scalarBytes($0, as: dtype) }
        var storage = [UInt8](repeating: 0xAA, count: expected.count + misalignment + 1)
        storage.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { source in
                let destination = UnsafeMutableRawBufferPointer(rebasing: raw[misalignment..<(misalignment + expected.count)])
                ElementConversion.encode(source, as: dtype, into: destination)
            }
        }
        #expect(Array(storage[misalignment..<(misalignment + expected.count)]) == expected)
        #expect(storage.last == 0xAA, "wrote past the destination")
    }

    @Test("bulk decode matches scalar decode from unaligned sources", arguments: FloatDType.allCases, [0, 1, 3])
    func decodeMatchesScalar(dtype: FloatDType, misalignment: Int) {
        let encoded = Self.values.flatMap { Self.scalarBytes($0, as: dtype) }
        let storage = [UInt8](repeating: 0x55, count: misalignment) + encoded
        var decoded = [Float](repeating: 0, count: Self.values.count)
        storage.withUnsafeBytes { raw in
            decoded.withUnsafeMutableBufferPointer { output in
                ElementConversion.decode(UnsafeRawBufferPointer(rebasing: raw[misalignment...]), as: dtype, into: output)
            }
        }
        var failures: [String] = []
        for index in decoded.indices {
            let start = index * dtype.byteSize
            let expected = Self.scalarDecode(encoded[start..<(start + dtype.byteSize)], as: dtype)
            if decoded[index].bitPattern != expected.bitPattern {
                failures.append("[\(index)] \(decoded[index]) vs \(expected)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// Decoding counts the NaN and ±Inf it produces, at every alignment and length (the vector
    /// loop and its scalar tail), and agrees with counting the decoded values afterwards.
    @Test("decode counts the non-finite values it decodes", arguments: FloatDType.allCases, [0, 1, 3])
    func decodeCountsNonFinite(dtype: FloatDType, misalignment: Int) {
        let values = Self.values + [.nan, 1, .infinity, 2, 3, -.infinity, 4, 5, 6, .nan, 7]
        let encoded = values.flatMap { Self.scalarBytes($0, as: dtype) }
        let storage = [UInt8](repeating: 0x55, count: misalignment) + encoded
        for length in [0, 1, 7, 8, 9, 15, 16, 17, values.count] {
            var decoded = [Float](repeating: 0, count: length)
            let found = storage.withUnsafeBytes { raw in
                decoded.withUnsafeMutableBufferPointer { output in
                    ElementConversion.decodeCountingNonFinite(
                        UnsafeRawBufferPointer(rebasing: raw[misalignment..<(misalignment + length * dtype.byteSize)]), as: dtype, into: output)
                }
            }
            let expected = decoded.filter { !$0.isFinite }.count
            #expect(found == expected, "\(dtype), \(length) elements")
            #expect(decoded.withUnsafeBufferPointer(ElementConversion.nonFiniteCount) == expected)
        }
    }

    /// Every bfloat16 and binary16 pattern: NaN and ±Inf are exactly the all-ones exponents.
    @Test("every 16-bit pattern is counted right", arguments: [FloatDType.bf16, .f16])
    func everyHalfPatternIsCounted(dtype: FloatDType) {
        let patterns = (0...UInt16.max).flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        var decoded = [Float](repeating: 0, count: 1 << 16)
        let found = patterns.withUnsafeBytes { raw in
            decoded.withUnsafeMutableBufferPointer { ElementConversion.decodeCountingNonFinite(raw, as: dtype, into: $0) }
        }
        let exponentBits = dtype == .bf16 ? 8 : 5
        let mantissaBits = dtype == .bf16 ? 7 : 10
        #expect(found == 2 << mantissaBits, "\(exponentBits)-bit exponent: 2 signs × 2^\(mantissaBits) patterns")
        #expect(found == decoded.filter { !$0.isFinite }.count)
    }

    @Test("empty buffers are fine", arguments: FloatDType.allCases)
    func emptyBuffers(dtype: FloatDType) {
        ElementConversion.decode(UnsafeRawBufferPointer(start: nil, count: 0), as: dtype, into: UnsafeMutableBufferPointer(start: nil, count: 0))
        ElementConversion.encode(UnsafeBufferPointer(start: nil, count: 0), as: dtype, into: UnsafeMutableRawBufferPointer(start: nil, count: 0))
    }

    @Test("a count mismatch is a programmer error that traps")
    func countMismatchTraps() async {
        await #expect(processExitsWith: .failure) {
            let bytes = [UInt8](repeating: 0, count: 6)
            var output = [Float](repeating: 0, count: 2)
            bytes.withUnsafeBytes { raw in
                output.withUnsafeMutableBufferPointer { ElementConversion.decode(raw, as: .f32, into: $0) }
            }
        }
    }

    /// Conversion takes a `FloatDType`, so an integer or FP8 tensor cannot reach it: the float
    /// type exists exactly for the dtypes merge arithmetic reads.
    @Test("a float type exists exactly for the mergeable dtypes", arguments: DType.allCases)
    func floatTypes(dtype: DType) {
        let format = FloatDType(dtype)
        #expect((format != nil) == [DType.f64, .f32, .f16, .bf16].contains(dtype))
        #expect(format.map(\.dtype) ?? dtype == dtype)
        #expect(dtype.isMergeable == (format != nil))
    }
}
