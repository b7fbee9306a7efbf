import MergeKitSafetensors
import MergeKitTestSupport
import Testing

@Suite("Mapped files")
struct MappedFileTests {
    @Test("an empty file maps to an empty buffer")
    func emptyFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("empty")
        try writeFile([], to: path)
        let file = try MappedFile(path: path)
        #expect(file.count == 0)
        #expect(file.withBytes { $0.count } == 0)
        file.releasePages(0..<0)
        file.prefetch(0..<0)
    }

    @Test("contents survive releasing pages, whatever the range's alignment")
    func releaseAndPrefetch() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("data")
        let contents = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try writeFile(contents, to: path)
        let file = try MappedFile(path: path)
        #expect(file.count == contents.count)
        #expect(file.path == path)
        for range in [0..<20_000, 1..<2, 4095..<8193, 19_999..<20_000, 5000..<5000] {
            file.prefetch(range)
            file.releasePages(range)
            #expect(file.withBytes { Array($0) } == contents)
        }
    }

    @Test("an out-of-range release is a programmer error that traps")
    func outOfRangeTraps() async {
        await #expect(processExitsWith: .failure) {
            let directory = try TemporaryDirectory()
            let path = directory.file("data")
            try writeFile([1, 2, 3], to: path)
            try MappedFile(path: path).releasePages(0..<4)
        }
    }
}
