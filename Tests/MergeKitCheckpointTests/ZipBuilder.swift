import Foundation

/// Writes zip archives byte by byte for tests, including the ZIP64 forms and files larger than
/// 4 GiB (a hole before an entry leaves the file sparse, so it costs no disk).
struct ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        /// 0 stored, 8 deflate (the bytes are then not compressed for real: only the header says so).
        var method: UInt16 = 0
        /// Bytes skipped before the entry's local header.
        var holeBefore: Int = 0
    }

    var entries: [Entry] = []
    /// Write every size and offset of the central directory as 0xFFFFFFFF with a ZIP64 extra
    /// field, and a ZIP64 end record and locator.
    var forceZip64 = false

    mutating func add(_ name: String, _ data: [UInt8], method: UInt16 = 0, holeBefore: Int = 0) {
        entries.append(Entry(name: name, data: data, method: method, holeBefore: holeBefore))
    }

    /// Writes the archive to `path`; returns each entry's data offset.
    @discardableResult
    func write(to path: String) throws -> [String: Int] {
        try Data().write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var offset = 0
        var central: [UInt8] = []
        var dataOffsets: [String: Int] = [:]
        let needsZip64 = forceZip64 || entries.contains { $0.holeBefore > 0 }
        for entry in entries {
            offset += entry.holeBefore
            let name = Array(entry.name.utf8)
            var local: [UInt8] = []
            local.le32(0x0403_4B50)
            local.le16(20)
            local.le16(0)
            local.le16(entry.method)
            local.le16(0)
            local.le16(0)
            local.le32(0)
            local.le32(UInt32(entry.data.count))
            local.le32(UInt32(entry.data.count))
            local.le16(UInt16(name.count))
            local.le16(0)
            local += name
            try handle.seek(toOffset: UInt64(offset))
            handle.write(Data(local + entry.data))
            dataOffsets[entry.name] = offset + local.count

            var extra: [UInt8] = []
            if needsZip64 {
                extra.le16(1)
                extra.le16(24)
                extra.le64(UInt64(entry.data.count))
                extra.le64(UInt64(entry.data.count))
                extra.le64(UInt64(offset))
            }
            central.le32(0x0201_4B50)
            central.le16(45)
            central.le16(45)
            central.le16(0)
            central.le16(entry.method)
            central.le16(0)
            central.le16(0)
            central.le32(0)
            central.le32(needsZip64 ? UInt32.max : UInt32(entry.data.count))
            central.le32(needsZip64 ? UInt32.max : UInt32(entry.data.count))
            central.le16(UInt16(name.count))
            central.le16(UInt16(extra.count))
            central.le16(0)
            central.le16(0)
            central.le16(0)
            central.le32(0)
            central.le32(needsZip64 ? UInt32.max : UInt32(offset))
            central += name + extra
            offset += local.count + entry.data.count
        }
        var tail = central
        let directoryOffset = offset
        if needsZip64 {
            let record = directoryOffset + central.count
            tail.le32(0x0606_4B50)
            tail.le64(44)
            tail.le16(45)
            tail.le16(45)
            tail.le32(0)
            tail.le32(0)
            tail.le64(UInt64(entries.count))
            tail.le64(UInt64(entries.count))
            tail.le64(UInt64(central.count))
            tail.le64(UInt64(directoryOffset))
            tail.le32(0x0706_4B50)
            tail.le32(0)
            tail.le64(UInt64(record))
            tail.le32(1)
        }
        tail.le32(0x0605_4B50)
        tail.le16(0)
        tail.le16(0)
        tail.le16(needsZip64 ? UInt16.max : UInt16(entries.count))
        tail.le16(needsZip64 ? UInt16.max : UInt16(entries.count))
        tail.le32(needsZip64 ? UInt32.max : UInt32(central.count))
        tail.le32(needsZip64 ? UInt32.max : UInt32(directoryOffset))
        tail.le16(0)
        try handle.seek(toOffset: UInt64(offset))
        handle.write(Data(tail))
        return dataOffsets
    }
}

extension [UInt8] {
    mutating func le16(_ value: UInt16) { append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8)]) }
    mutating func le32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
    mutating func le64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { append(UInt8((value >> UInt64(shift)) & 0xFF)) } }
}
