/// Little-endian integers at byte offsets of an untrusted buffer (possibly unaligned). Every
/// read is bounds-checked and returns nil past the end, so a short or lying file is an error
/// at the caller, never a trap.
struct LittleEndianReader {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    /// Whether `length` bytes starting at `offset` lie inside the buffer (overflow-safe).
    func contains(_ offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    func u16(_ offset: Int) -> UInt16? {
        guard contains(offset, length: 2), let base = bytes.baseAddress else { return nil }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func u32(_ offset: Int) -> UInt32? {
        guard contains(offset, length: 4), let base = bytes.baseAddress else { return nil }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func u64(_ offset: Int) -> UInt64? {
        guard contains(offset, length: 8), let base = bytes.baseAddress else { return nil }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The bytes [offset, offset + length), or nil if they are not all inside the buffer.
    func slice(_ offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard contains(offset, length: length) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }
}
