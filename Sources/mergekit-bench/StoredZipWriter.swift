import Glibc
import MergeKitSafetensors

/// Writes a zip archive front to back with every entry stored (not compressed) and its data
/// aligned to 64 bytes through a padding extra field, as torch.save lays out its archives. No
/// ZIP64: an archive that would pass 4 GiB is refused.
final class StoredZipWriter {
    private let path: String
    private let descriptor: FileDescriptor
    private var offset = 0
    private var central: [UInt8] = []
    private var entryCount = 0

    static let dataAlignment = 64
    /// Where a local header holds the entry's CRC-32.
    private static let checksumOffset = 14
    /// The extra field id torch's writer pads with ("FB").
    private static let paddingFieldID: UInt16 = 0x4246

    init(path: String) throws {
        self.path = path
        switch FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644) {
        case .success(let descriptor): self.descriptor = descriptor
        case .failure(let error): throw BenchError("cannot create \(path): \(error)")
        }
    }

    /// Appends the entry `name` of `byteCount` bytes, which `produce` hands to its argument in
    /// pieces (so a large entry never has to be in memory whole). The checksum is computed on the
    /// way and written into the local header afterwards.
    func add(
        _ name: String, byteCount: Int,
        _ produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let nameBytes = Array(name.utf8)
        let fixed = 30 + nameBytes.count + 4
        let padding = (Self.dataAlignment - (offset + fixed) % Self.dataAlignment) % Self.dataAlignment
        let size = try fits(byteCount)
        let headerOffset = offset

        var local: [UInt8] = []
        local.append32(0x0403_4B50)
        local.append16(20)
        local.append16(0)
        local.append16(0)
        local.append16(0)
        local.append16(0)
        local.append32(0)
        local.append32(size)
        local.append32(size)
        local.append16(UInt16(nameBytes.count))
        local.append16(UInt16(4 + padding))
        local += nameBytes
        local.append16(Self.paddingFieldID)
        local.append16(UInt16(padding))
        local += [UInt8](repeating: 0, count: padding)
        try write(local)
        var checksum = CRC32()
        let dataStart = offset
        try produce { piece in
            checksum.update(piece)
            try write(piece)
        }
        guard offset - dataStart == byteCount else {
            throw BenchError("\(path): entry '\(name)' got \(offset - dataStart) bytes, expected \(byteCount)")
        }
        var crc: [UInt8] = []
        crc.append32(checksum.value)
        let patched = crc.withUnsafeBytes { descriptor.write($0, at: headerOffset + Self.checksumOffset) }
        if case .failure(let error) = patched { throw BenchError("cannot write \(path): \(error)") }

        central.append32(0x0201_4B50)
        central.append16(20)
        central.append16(20)
        central.append16(0)
        central.append16(0)
        central.append16(0)
        central.append16(0)
        central.append32(checksum.value)
        central.append32(size)
        central.append32(size)
        central.append16(UInt16(nameBytes.count))
        central.append16(0)
        central.append16(0)
        central.append16(0)
        central.append16(0)
        central.append32(0)
        central.append32(try fits(headerOffset))
        central += nameBytes
        entryCount += 1
    }

    func add(_ name: String, _ bytes: [UInt8]) throws {
        try add(name, byteCount: bytes.count) { write in try bytes.withUnsafeBytes { try write($0) } }
    }

    /// Writes the central directory and its end record, and closes the file.
    func finish() throws {
        let directoryOffset = try fits(offset)
        var tail = central
        tail.append32(0x0605_4B50)
        tail.append16(0)
        tail.append16(0)
        tail.append16(UInt16(entryCount))
        tail.append16(UInt16(entryCount))
        tail.append32(try fits(central.count))
        tail.append32(directoryOffset)
        tail.append16(0)
        try write(tail)
        if case .failure(let error) = descriptor.close() { throw BenchError("cannot close \(path): \(error)") }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        if case .failure(let error) = descriptor.write(bytes) { throw BenchError("cannot write \(path): \(error)") }
        offset += bytes.count
    }

    private func fits(_ value: Int) throws -> UInt32 {
        guard let narrow = UInt32(exactly: value), narrow != .max else {
            throw BenchError("\(path) would pass 4 GiB, which needs ZIP64; the bench writes plain zip only")
        }
        return narrow
    }
}

extension [UInt8] {
    mutating func append16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
