import Foundation

/// Hand-made safetensors bytes for validator tests: a header (any bytes, valid or not), an
/// optional lie about its length, and a data section filled with a recognisable pattern.
struct RawSafetensors {
    var header: [UInt8]
    var declaredLength: UInt64?
    var dataByteCount: Int

    init(header: String, declaredLength: UInt64? = nil, dataByteCount: Int = 0) {
        self.init(headerBytes: Array(header.utf8), declaredLength: declaredLength, dataByteCount: dataByteCount)
    }

    init(headerBytes: [UInt8], declaredLength: UInt64? = nil, dataByteCount: Int = 0) {
        header = headerBytes
        self.declaredLength = declaredLength
        self.dataByteCount = dataByteCount
    }

    var bytes: [UInt8] {
        let length = declaredLength ?? UInt64(header.count)
        return withUnsafeBytes(of: length.littleEndian, Array.init) + header
            + (0..<dataByteCount).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    }

    /// `"name":{"dtype":…,"shape":[…],"data_offsets":[begin,end]}`, for building headers.
    static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        let dims = shape.map(String.init).joined(separator: ",")
        return #""\#(name)":{"dtype":"\#(dtype)","shape":[\#(dims)],"data_offsets":[\#(begin),\#(end)]}"#
    }
}

func writeFile(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
