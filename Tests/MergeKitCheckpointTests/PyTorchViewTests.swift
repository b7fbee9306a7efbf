import Foundation
import MergeKitCheckpoint
import MergeKitTestSupport
import Testing

/// Views built by hand (offsets, strides, shared and short storages) in torch-shaped archives.
@Suite struct PyTorchViewTests {
    private static let storage = TorchArchive.floats((0..<24).map(Float.init))

    private func open(
        _ tensors: [PickleBuilder.Tensor], storages: [(key: String, bytes: [UInt8])] = [("0", storage)]
    ) throws -> (PyTorchCheckpoint, String, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = directory.file("pytorch_model.bin")
        try TorchArchive.write(to: path, pickle: PickleBuilder.stateDict(tensors), storages: storages)
        return (try PyTorchCheckpoint(path: path), path, directory)
    }

    private func refusal(
        _ tensors: [PickleBuilder.Tensor], storages: [(key: String, bytes: [UInt8])] = [("0", storage)]
    ) throws -> PyTorchCheckpointError {
        try #require(throws: PyTorchCheckpointError.self) { _ = try open(tensors, storages: storages) }
    }

    @Test func aThreeDimensionalViewWithAContiguousTailGathersRuns() throws {
        // [2, 3, 2] picking every other block of 2: strides (12, 4, 1), offset 1.
        let (checkpoint, _, _) = try open([
            .init(name: "w", storageCount: 24, offset: 1, shape: [2, 3, 2], strides: [12, 4, 1]),
        ])
        let tensor = try #require(checkpoint.tensor(named: "w"))
        #expect(tensor.layout.runLength == 2)
        #expect(SourceValues.all(tensor) == [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22])
        #expect(SourceValues.chunked(tensor, chunk: 3) == SourceValues.all(tensor))
        #expect(tensor.contiguousByteRange == nil)
    }

    @Test func sizeOneDimensionsAndBroadcastStridesRead() throws {
        let (checkpoint, _, _) = try open([
            .init(name: "padded", storageCount: 24, offset: 4, shape: [1, 4, 1], strides: [99, 1, 7]),
            .init(name: "expanded", storageCount: 24, offset: 2, shape: [3, 2], strides: [0, 1]),
        ])
        let padded = try #require(checkpoint.tensor(named: "padded"))
        #expect(padded.layout.isContiguous)
        #expect(SourceValues.all(padded) == [4, 5, 6, 7])
        #expect(SourceValues.all(try #require(checkpoint.tensor(named: "expanded"))) == [2, 3, 2, 3, 2, 3])
    }

    @Test func aViewReachingPastItsStorageIsRefusedNamingTheTensor() throws {
        let error = try refusal([.init(name: "w", storageCount: 24, offset: 20, shape: [2, 3], strides: [3, 1])])
        #expect(error.tensor == "w")
        #expect(error.kind == .invalidView(storageKey: "0", .outsideStorage(lastElement: 25, storageElements: 24)))
        #expect(error.description.hasSuffix(
            "tensor 'w': view of storage '0': the view reaches element 25, past the storage's 24 elements"))
    }

    @Test func aStorageShorterThanDeclaredIsRefused() throws {
        let error = try refusal([.init(name: "w", storageCount: 30, shape: [2, 3], strides: [3, 1])])
        #expect(error.kind == .storageTooSmall(key: "0", memberBytes: 96, declaredBytes: 120))
        #expect(error.tensor == "w")
    }

    @Test func aMissingStorageMemberIsRefused() throws {
        let error = try refusal([.init(name: "w", key: "7", storageCount: 6, shape: [6], strides: [1])])
        #expect(error.kind == .missingMember("archive/data/7"))
        #expect(error.tensor == "w")
    }

    @Test(arguments: [
        (PickleBuilder.Tensor(name: "w", storageCount: 24, shape: [-2, 3], strides: [3, 1]), StridedLayout.Problem.negativeDimension(shape: [-2, 3])),
        (PickleBuilder.Tensor(name: "w", storageCount: 24, shape: [2, 3], strides: [-3, 1]), .negativeStride(strides: [-3, 1])),
        (PickleBuilder.Tensor(name: "w", storageCount: 24, offset: -1, shape: [2], strides: [1]), .negativeOffset(-1)),
        (PickleBuilder.Tensor(name: "w", storageCount: 24, shape: [2, 3], strides: [1]), .rankMismatch(shape: [2, 3], strides: [1])),
        (PickleBuilder.Tensor(name: "w", storageCount: 24, shape: [1 << 40, 1 << 40], strides: [1, 1]), .overflow),
        (PickleBuilder.Tensor(name: "w", storageCount: 24, shape: [2, 2], strides: [Int.max, 1]), .overflow),
    ])
    func impossibleViewsAreRefused(tensor: PickleBuilder.Tensor, problem: StridedLayout.Problem) throws {
        let error = try refusal([tensor])
        #expect(error.kind == .invalidView(storageKey: "0", problem))
    }

    /// Byte flips and truncations of a real checkpoint: each is refused or reads, never traps.
    @Test func damagedCheckpointsNeverTrap() throws {
        let original = [UInt8](try #require(FileManager.default.contents(atPath: FixturePaths.pytorch("views_f32.bin"))))
        let directory = try TemporaryDirectory()
        let path = directory.file("damaged.bin")
        var generator = FixedSequence(state: 12)
        var opened = 0
        for round in 0..<600 {
            var bytes = original
            if round.isMultiple(of: 5) {
                bytes.removeLast(Int.random(in: 1..<bytes.count, using: &generator))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            guard let checkpoint = try? PyTorchCheckpoint(path: path) else { continue }
            opened += 1
            for tensor in checkpoint.tensors where tensor.dtype.isMergeable {
                _ = SourceValues.all(tensor)
                tensor.releasePages(0..<tensor.elementCount)
            }
        }
        // Flips in storage bytes leave the file readable, so some rounds must open.
        #expect(opened > 0)
    }
}

/// A fixed-seed generator for the damage rounds (Knuth's 64-bit LCG; quality is not the point,
/// a stable sequence on every platform is).
private struct FixedSequence: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}
