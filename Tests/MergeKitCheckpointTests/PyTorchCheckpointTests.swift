import Foundation
import MergeKitCheckpoint
import MergeKitTensor
import MergeKitTestSupport
import Testing

@Suite struct PyTorchCheckpointTests {
    /// Each tensor of `name`.bin against the contiguous copy torch wrote to `name`.expected.safetensors.
    private func expectMatchesTwin(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let checkpoint = try PyTorchCheckpoint(path: FixturePaths.pytorch(name + ".bin"))
        let expected = try SourceValues.safetensors(FixturePaths.pytorch(name + ".expected.safetensors"))
        #expect(Set(checkpoint.tensors.map(\.name)) == Set(expected.keys), sourceLocation: sourceLocation)
        for tensor in checkpoint.tensors {
            let twin = try #require(expected[tensor.name], sourceLocation: sourceLocation)
            #expect(tensor.shape == twin.shape, "\(tensor.name)", sourceLocation: sourceLocation)
            #expect(tensor.dtype == twin.dtype, "\(tensor.name)", sourceLocation: sourceLocation)
            if tensor.dtype.isMergeable {
                #expect(SourceValues.all(tensor) == SourceValues.all(twin), "\(tensor.name)", sourceLocation: sourceLocation)
                #expect(SourceValues.chunked(tensor, chunk: 5) == SourceValues.all(twin), "\(tensor.name)", sourceLocation: sourceLocation)
            }
            if tensor.layout.isContiguous {
                #expect(SourceValues.bytes(tensor) == SourceValues.bytes(twin), "\(tensor.name)", sourceLocation: sourceLocation)
            } else {
                #expect(SourceValues.bytes(tensor) == nil, "\(tensor.name)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func float32ViewsOfOneStorageReadLikeTheirContiguousCopies() throws {
        try expectMatchesTwin("views_f32")
    }

    @Test func halfPrecisionAndDoubleTensorsReadLikeTheirCopies() throws {
        try expectMatchesTwin("half_bf16")
    }

    @Test func untypedStoragesWithADTypeArgumentRead() throws {
        try expectMatchesTwin("untyped_v3")
        let checkpoint = try PyTorchCheckpoint(path: FixturePaths.pytorch("untyped_v3.bin"))
        #expect(checkpoint.tensor(named: "f8")?.dtype == .f8e4m3)
        #expect(checkpoint.tensor(named: "u16")?.dtype == .u16)
    }

    @Test func viewsShareOneStorageAtTheirOffsets() throws {
        let checkpoint = try PyTorchCheckpoint(path: FixturePaths.pytorch("views_f32.bin"))
        let grid = try #require(checkpoint.tensor(named: "grid"))
        let rows = try #require(checkpoint.tensor(named: "rows"))
        let transposed = try #require(checkpoint.tensor(named: "transposed"))
        let column = try #require(checkpoint.tensor(named: "column"))
        #expect(Set([grid.storageKey, rows.storageKey, transposed.storageKey, column.storageKey]).count == 1)
        #expect(rows.layout.offset == 16)
        #expect(rows.layout.isContiguous)
        let gridRange = try #require(grid.contiguousByteRange)
        #expect(rows.contiguousByteRange == (gridRange.lowerBound + 64)..<(gridRange.lowerBound + 160))
        #expect(transposed.layout.strides == [1, 8])
        #expect(!transposed.layout.isContiguous)
        #expect(column.layout.strides == [8])
        #expect(transposed.contiguousByteRange == nil)
        // Page advice on a strided view covers what it can touch and does not trap.
        transposed.prefetch(0..<transposed.elementCount)
        transposed.releasePages(3..<9)
    }

    @Test func parametersScalarsIntegersAndEmptyTensorsKeepTheirShapes() throws {
        let checkpoint = try PyTorchCheckpoint(path: FixturePaths.pytorch("views_f32.bin"))
        #expect(checkpoint.tensor(named: "param")?.shape == [3, 5])
        #expect(checkpoint.tensor(named: "scalar")?.shape == [])
        #expect(checkpoint.tensor(named: "scalar").map(SourceValues.all) == [3.5])
        #expect(checkpoint.tensor(named: "positions")?.dtype == .i64)
        #expect(checkpoint.tensor(named: "empty")?.shape == [0, 4])
        #expect(checkpoint.tensor(named: "empty")?.elementCount == 0)
        #expect(checkpoint.tensors.map(\.name) == [
            "grid", "rows", "transposed", "column", "flat_tail", "param", "scalar", "positions", "empty",
        ])
    }

    @Test func aModelStateDictWithMetadataReads() throws {
        let directory = FixturePaths.pytorch("model_single")
        let checkpoint = try PyTorchCheckpoint(path: directory + "/pytorch_model.bin")
        let expected = try SourceValues.safetensors(directory + "/expected.safetensors")
        #expect(checkpoint.tensors.count == expected.count)
        for tensor in checkpoint.tensors {
            let twin = try #require(expected[tensor.name])
            #expect(SourceValues.bytes(tensor) == SourceValues.bytes(twin), "\(tensor.name)")
        }
    }

    @Test func thePickleIsAvailableAsTheCheckpointsDescription() throws {
        let checkpoint = try PyTorchCheckpoint(path: FixturePaths.pytorch("views_f32.bin"))
        let pickle = checkpoint.withPickleBytes { Array($0) }
        #expect(pickle.prefix(2) == [0x80, 2])
        #expect(pickle.last == UInt8(ascii: "."))
        #expect(checkpoint.pickleByteRange.count == pickle.count)
    }

    @Test(arguments: [
        ("hostile_system.bin", "refuses the global 'posix.system'"),
        // Protocol 2 spells builtins with their Python 2 module name.
        ("hostile_eval.bin", "refuses the global '__builtin__.eval'"),
        ("unknown_global.bin", "refuses the global 'datetime.date'"),
    ])
    func picklesThatWouldRunCodeAreRefusedNamingTheGlobal(file: String, message: String) throws {
        let path = FixturePaths.pytorch(file)
        let error = try #require(throws: PyTorchCheckpointError.self) { try PyTorchCheckpoint(path: path) }
        guard case .pickle(let pickle) = error.kind, case .forbiddenGlobal = pickle.kind else {
            Issue.record("expected a forbidden global, got \(error)")
            return
        }
        #expect(error.description.hasPrefix(path + ": data.pkl: pickle byte "))
        #expect(error.description.contains(message))
    }

    @Test func aTruncatedArchiveIsRefusedNamingTheFile() throws {
        let path = FixturePaths.pytorch("truncated.bin")
        let error = try #require(throws: PyTorchCheckpointError.self) { try PyTorchCheckpoint(path: path) }
        #expect(error.kind == .archive(.endOfCentralDirectoryNotFound(fileSize: 2036)))
        #expect(error.description.hasPrefix(path + ": broken zip archive: not a complete zip archive"))
    }

    @Test func aLegacyPickleSaysHowToConvert() throws {
        let path = FixturePaths.pytorch("legacy.bin")
        let error = try #require(throws: PyTorchCheckpointError.self) { try PyTorchCheckpoint(path: path) }
        #expect(error.kind == .legacyPickleFormat)
        #expect(error.description.contains("legacy (non-zip) format"))
        #expect(error.description.contains("torch.load('\(path)', weights_only=True)"))
        #expect(error.description.contains("save_file("))
    }

    @Test func aCompressedArchiveSaysHowToConvert() throws {
        let path = FixturePaths.pytorch("deflated.bin")
        let error = try #require(throws: PyTorchCheckpointError.self) { try PyTorchCheckpoint(path: path) }
        guard case .compressedMember(let member, let method) = error.kind else {
            Issue.record("expected a compressed member, got \(error)")
            return
        }
        #expect(member.hasPrefix("views_f32/"))
        #expect(method == 8)
        #expect(error.description.contains("convert it to safetensors with: python -c"))
    }

    @Test func aBigEndianCheckpointIsRefused() throws {
        let error = try #require(throws: PyTorchCheckpointError.self) {
            try PyTorchCheckpoint(path: FixturePaths.pytorch("big_endian.bin"))
        }
        #expect(error.kind == .byteOrder("big"))
    }

    @Test func filesThatAreNotCheckpointsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let text = directory.file("notes.bin")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: PyTorchCheckpointError(file: text, kind: .notAZipArchive)) { try PyTorchCheckpoint(path: text) }
        let empty = directory.file("empty.bin")
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(throws: PyTorchCheckpointError(file: empty, kind: .notAZipArchive)) { try PyTorchCheckpoint(path: empty) }
        let missing = directory.file("missing.bin")
        let error = try #require(throws: PyTorchCheckpointError.self) { try PyTorchCheckpoint(path: missing) }
        #expect(error.description.hasPrefix(missing + ": "))
    }
}
