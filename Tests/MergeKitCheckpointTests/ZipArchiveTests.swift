import Foundation
import MergeKitCheckpoint
import MergeKitTestSupport
import Testing

@Suite struct ZipArchiveTests {
    private func read(_ path: String) throws -> ZipArchive {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        return try data.withUnsafeBytes { bytes in try ZipArchive.read(bytes, file: path) }
    }

    private func read(bytes: [UInt8], file: String = "test.zip") throws -> ZipArchive {
        try bytes.withUnsafeBytes { raw in try ZipArchive.read(raw, file: file) }
    }

    private func archiveBytes(_ build: (inout ZipBuilder) -> Void) throws -> [UInt8] {
        let directory = try TemporaryDirectory()
        var zip = ZipBuilder()
        build(&zip)
        try zip.write(to: directory.file("a.zip"))
        return [UInt8](try #require(FileManager.default.contents(atPath: directory.file("a.zip"))))
    }

    @Test(arguments: [false, true])
    func entriesAreLocatedThroughTheirLocalHeaders(zip64: Bool) throws {
        let bytes = try archiveBytes { zip in
            zip.forceZip64 = zip64
            zip.add("a/one", [1, 2, 3])
            zip.add("a/two-longer-name", [])
            zip.add("a/three", Array(repeating: 7, count: 100))
        }
        let archive = try read(bytes: bytes)
        #expect(archive.entries.map(\.name) == ["a/one", "a/two-longer-name", "a/three"])
        let one = try #require(archive.entry(named: "a/one"))
        #expect(one.dataRange == 35..<38)
        #expect(Array(bytes[one.dataRange]) == [1, 2, 3])
        #expect(archive.entry(named: "a/two-longer-name")?.dataRange.count == 0)
        let three = try #require(archive.entry(named: "a/three"))
        #expect(Array(bytes[three.dataRange]) == Array(repeating: 7, count: 100))
        #expect(three.isStored)
    }

    /// Each local header is reported once read, so a reader of a memory map can drop its pages.
    @Test func everyLocalHeaderIsReportedWhereItIs() throws {
        let bytes = try archiveBytes { zip in
            zip.add("a/one", [1, 2, 3])
            zip.add("a/three", Array(repeating: 7, count: 100))
        }
        var reported: [Range<Int>] = []
        let archive = try bytes.withUnsafeBytes { raw in try ZipArchive.read(raw, file: "test.zip") { reported.append($0) } }
        #expect(reported == archive.entries.map(\.localHeaderRange))
        #expect(reported.first == 0..<35)
        for entry in archive.entries {
            #expect(entry.localHeaderRange.upperBound == entry.dataRange.lowerBound)
            #expect(bytes[entry.localHeaderRange.lowerBound..<(entry.localHeaderRange.lowerBound + 4)].elementsEqual([0x50, 0x4B, 0x03, 0x04]))
        }
    }

    @Test func torchCheckpointsAreReadableZips() throws {
        let archive = try read(FixturePaths.pytorch("views_f32.bin"))
        #expect(archive.entries.first?.name == "views_f32/data.pkl")
        #expect(archive.entries.allSatisfy { $0.isStored })
        // torch aligns storage data to 64 bytes with padding in the local extra field.
        #expect(archive.entries.filter { $0.name.contains("/data/") }.allSatisfy { $0.dataRange.lowerBound % 64 == 0 })
    }

    @Test func compressedEntriesAreListedWithTheirMethod() throws {
        let bytes = try archiveBytes { zip in zip.add("a/packed", [9, 9], method: 8) }
        let entry = try #require(try read(bytes: bytes).entry(named: "a/packed"))
        #expect(entry.method == 8)
        #expect(!entry.isStored)
    }

    @Test func everyTruncationIsAnErrorNotATrap() throws {
        let bytes = try archiveBytes { zip in
            zip.forceZip64 = true
            zip.add("a/one", [1, 2, 3])
            zip.add("a/two", [4, 5])
        }
        for length in 0..<bytes.count {
            #expect(throws: ZipArchiveError.self) { try read(bytes: Array(bytes[..<length])) }
        }
    }

    @Test func everySingleByteChangeIsHandled() throws {
        let bytes = try archiveBytes { zip in
            zip.forceZip64 = true
            zip.add("a/one", [1, 2, 3])
            zip.add("a/two", [4, 5])
        }
        for index in bytes.indices {
            for value: UInt8 in [0x00, 0xFF, bytes[index] &+ 1] {
                var changed = bytes
                changed[index] = value
                if let archive = try? read(bytes: changed) {
                    for entry in archive.entries {
                        #expect(entry.dataRange.upperBound <= changed.count)
                    }
                }
            }
        }
    }

    @Test func anEntryRunningIntoTheCentralDirectoryIsRefused() throws {
        var bytes = try archiveBytes { zip in zip.add("a/one", [1, 2, 3]) }
        // Central directory entry: 0x02014b50 at offset 38; its sizes are at +20 and +24.
        let central = 38
        bytes[central + 20] = 200
        bytes[central + 24] = 200
        let error = try #require(throws: ZipArchiveError.self) { try read(bytes: bytes) }
        #expect(error.kind == .entryOutOfBounds(entry: "a/one", begin: 35, size: 200, limit: 38))
        #expect(error.description == "test.zip: entry 'a/one': 200 bytes from offset 35 run past 38, where its data must end (truncated?)")
    }

    @Test func aLocalHeaderOffsetThatPointsNowhereIsRefused() throws {
        var bytes = try archiveBytes { zip in zip.add("a/one", [1, 2, 3]) }
        bytes[38 + 42] = 5
        let error = try #require(throws: ZipArchiveError.self) { try read(bytes: bytes) }
        #expect(error.kind == .badLocalHeader(entry: "a/one", offset: 5))
    }

    @Test func duplicateNamesAreRefused() throws {
        let bytes = try archiveBytes { zip in
            zip.add("a/one", [1])
            zip.add("a/one", [2])
        }
        #expect(throws: ZipArchiveError(file: "test.zip", kind: .duplicateEntry("a/one"))) { try read(bytes: bytes) }
    }

    @Test func aZip64EntryWithoutItsExtraFieldIsRefused() throws {
        var bytes = try archiveBytes { zip in zip.add("a/one", [1, 2, 3]) }
        for offset in [38 + 20, 38 + 24] {
            for byte in 0..<4 { bytes[offset + byte] = 0xFF }
        }
        #expect(throws: ZipArchiveError(file: "test.zip", kind: .missingZip64Field(entry: "a/one"))) { try read(bytes: bytes) }
    }

    /// A real archive past 4 GiB: the storage sits after a sparse hole, so only ZIP64 offsets
    /// can reach it, and a checkpoint whose tensor lives there reads correctly.
    @Test func checkpointsLargerThan4GiBAreReadThroughZip64() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("big.bin")
        let values: [Float] = [1.5, -2, 3.25, 4, 5, 6]
        let pickle = PickleBuilder.stateDict([
            .init(name: "w", storageCount: 6, shape: [2, 3], strides: [3, 1]),
        ])
        let offsets = try TorchArchive.write(
            to: path, pickle: pickle, storages: [("0", TorchArchive.floats(values))], holeBeforeStorages: 4_400_000_000)
        #expect(try #require(offsets["archive/data/0"]) > Int(UInt32.max))
        let checkpoint = try PyTorchCheckpoint(path: path)
        let tensor = try #require(checkpoint.tensor(named: "w"))
        #expect(tensor.storageStart == offsets["archive/data/0"])
        #expect(SourceValues.all(tensor) == values)
    }
}
