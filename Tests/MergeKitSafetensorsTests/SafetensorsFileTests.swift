import Glibc
import MergeKitSafetensors
import MergeKitTensor
import MergeKitTestSupport
import Testing

@Suite("Reading safetensors files")
struct SafetensorsFileTests {
    @Test("a valid file: metadata, tensors sorted by offset, zero-copy data")
    func readsValidFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        // Listed out of offset order, with a 0-rank tensor, an empty tensor sharing an offset
        // with another, and space padding after the JSON.
        let json = "{" + [
            #""__metadata__":{"format":"pt","note":"ünïcode"}"#,
            RawSafetensors.entry("b", "BF16", [3], 4, 10),
            RawSafetensors.entry("scalar", "F32", [], 0, 4),
            RawSafetensors.entry("empty", "F16", [0, 7], 4, 4),
            RawSafetensors.entry("e2", "I64", [2, 0], 4, 4),
        ].joined(separator: ",") + "}   "
        let raw = RawSafetensors(header: json, dataByteCount: 10)
        try writeFile(raw.bytes, to: path)

        let file = try SafetensorsFile(path: path)
        #expect(file.header.metadata == ["format": "pt", "note": "ünïcode"])
        #expect(file.header.headerLength == json.utf8.count)
        #expect(file.header.dataOffset == 8 + json.utf8.count)
        #expect(file.tensors.map(\.name) == ["scalar", "e2", "empty", "b"])
        let b = try #require(file.tensor(named: "b"))
        #expect(b == TensorInfo(name: "b", dtype: .bf16, shape: [3], elementCount: 3, byteRange: 4..<10))
        #expect(file.tensor(named: "scalar")?.elementCount == 1)
        #expect(file.tensor(named: "empty")?.elementCount == 0)
        #expect(file.tensor(named: "missing") == nil)
        let data = file.withData(of: b) { Array($0) }
        #expect(data == Array(raw.bytes[(8 + json.utf8.count + 4)...]))
        file.prefetch(of: b)
        file.releasePages(of: b)
        #expect(file.withData(of: b) { Array($0) } == data)
    }

    @Test("a file without metadata or tensors")
    func emptyHeader() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try writeFile(RawSafetensors(header: "{}").bytes, to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.header.metadata == nil)
        #expect(file.tensors.isEmpty)
    }

    @Test("a missing file names the path and the errno text")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
        #expect(error?.kind == .cannotOpen(SystemError(call: "open", code: ENOENT)))
        #expect(error?.description == "\(path): cannot open: No such file or directory")
    }

    @Test("a directory is not a regular file")
    func directoryIsRejected() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: directory.path) }
        #expect(error?.kind == .notARegularFile)
        #expect(error?.file == directory.path)
    }

    /// Fixed-seed mutations of a valid file: every result is a header or a thrown error, never a
    /// trap, and an accepted header always describes a contiguous data section inside the file.
    @Test("mutated headers throw, never trap")
    func mutationsNeverTrap() throws {
        let directory = try TemporaryDirectory()
        let tensors = TinyCheckpoint.llama(layers: 1, hidden: 4, intermediate: 6, vocab: 5, dtype: .bf16, seed: 7)
        try TinyCheckpoint.write(tensors, to: directory.path, config: "{}")
        let original = try MappedFile(path: directory.file("model.safetensors")).withBytes { Array($0) }
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0...next(3) {
                // Mostly hit the length prefix and the header, where the rules live.
                let position = next(4) == 0 ? next(bytes.count) : next(min(bytes.count, 400))
                bytes[position] = UInt8(truncatingIfNeeded: next(256))
            }
            if next(8) == 0 { bytes.removeLast(next(bytes.count)) }
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(SafetensorsError) in try SafetensorsHeader.parse(fileBytes: raw, file: "mutant") }
            }
            guard case .success(let header) = result else { continue }
            accepted += 1
            var end = 0
            for tensor in header.tensors {
                #expect(tensor.byteRange.lowerBound == end)
                end = tensor.byteRange.upperBound
            }
            #expect(header.dataOffset + end == bytes.count)
        }
        #expect(accepted < 3000)
    }
}
