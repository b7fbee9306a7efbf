@testable import MergeKitCheckpoint
import MergeKitTensor
import Testing

@Suite struct StateDictUnpicklerTests {
    private func unpickle(_ bytes: [UInt8]) throws(PickleError) -> [(name: String, tensor: PickledTensor)] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        return try StateDictUnpickler.tensors(in: UnsafeRawBufferPointer(buffer))
    }

    private func expectRefused(
        _ bytes: [UInt8], _ kind: PickleError.Kind, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try unpickle(bytes)
            Issue.record("expected \(kind), but the pickle was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind, sourceLocation: sourceLocation)
        }
    }

    private static let weight = PickleBuilder.Tensor(name: "w", storageCount: 6, shape: [2, 3], strides: [3, 1])

    @Test func aTorchStyleStateDictGivesItsTensors() throws {
        var second = Self.weight
        second.name = "v"
        second.storageClass = "BFloat16Storage"
        second.key = "1"
        second.offset = 2
        second.shape = [2]
        second.strides = [1]
        let tensors = try unpickle(PickleBuilder.stateDict([Self.weight, second]))
        #expect(tensors.map(\.name) == ["w", "v"])
        #expect(tensors[0].tensor == PickledTensor(
            storage: PickledStorage(type: .typed(.f32), key: "0", count: 6), dtype: .f32, offset: 0, shape: [2, 3], strides: [3, 1]))
        #expect(tensors[1].tensor.dtype == .bf16)
        #expect(tensors[1].tensor.offset == 2)
    }

    @Test func protocol4FramingMemoizeAndShortStringsAreRead() throws {
        // {"w": tensor} written with protocol-4 opcodes: FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL.
        var p = PickleBuilder()
        p.raw([0x95, 0, 0, 0, 0, 0, 0, 0, 0])
        p.op(0x7D)
        p.op(0x94)
        p.raw([0x8C, 1, UInt8(ascii: "w")])
        p.raw([0x8C, 12] + Array("torch._utils".utf8))
        p.raw([0x8C, 18] + Array("_rebuild_tensor_v2".utf8))
        p.op(0x93)
        p.op(0x94)
        p.mark()
        p.mark()
        p.string("storage")
        p.raw([0x8C, 5] + Array("torch".utf8) + [0x8C, 12] + Array("FloatStorage".utf8))
        p.op(0x93)
        p.string("0")
        p.string("cpu")
        p.raw([0x4B, 6])
        p.op(0x74)
        p.op(0x51)
        p.raw([0x4B, 0])
        p.raw([0x4B, 6, 0x85])
        p.raw([0x4B, 1, 0x85])
        p.op(0x89)
        p.emptyOrderedDict()
        p.op(0x74)
        p.op(0x52)
        p.op(0x73)
        p.stop()
        let tensors = try unpickle(p.bytes)
        #expect(tensors.map(\.name) == ["w"])
        #expect(tensors[0].tensor.shape == [6])
    }

    @Test func memoReferencesShareTheDictTheyName() throws {
        // The root dict is memoized before it is filled, fetched back, and filled through the copy.
        var p = PickleBuilder()
        p.op(0x7D)
        p.raw([0x71, 0])
        p.op(0x30)
        p.raw([0x68, 0])
        p.string("w")
        p.tensor(Self.weight)
        p.op(0x73)
        p.stop()
        #expect(try unpickle(p.bytes).map(\.name) == ["w"])
    }

    @Test func integersOfEveryWidthAreRead() throws {
        for value in [0, 1, 255, 65_535, -1, Int(Int32.max), Int(Int32.max) + 1, -5_000_000_000, Int.max] {
            var tensor = Self.weight
            tensor.storageCount = 1
            tensor.offset = value
            tensor.shape = []
            tensor.strides = []
            let read = try unpickle(PickleBuilder.stateDict([tensor]))
            #expect(read.first?.tensor.offset == value)
        }
    }

    @Test func globalsOutsideTheAllowListAreRefusedBeforeAnythingElse() {
        var p = PickleBuilder()
        p.global("posix", "system")
        p.string("echo pwned")
        p.raw([0x85, 0x52])
        p.stop()
        expectRefused(p.bytes, .forbiddenGlobal(module: "posix", name: "system"))

        var stacked = PickleBuilder()
        stacked.string("builtins")
        stacked.string("exec")
        stacked.op(0x93)
        stacked.stop()
        expectRefused(stacked.bytes, .forbiddenGlobal(module: "builtins", name: "exec"))

        var lookalike = PickleBuilder()
        lookalike.global("torch", "load")
        lookalike.stop()
        expectRefused(lookalike.bytes, .forbiddenGlobal(module: "torch", name: "load"))
    }

    @Test func opcodesThatBuildArbitraryObjectsAreRefused() {
        // INST, OBJ, NEWOBJ, EXT1 and the text-mode PUT.
        for opcode: UInt8 in [0x69, 0x6F, 0x81, 0x82, 0x70] {
            var p = PickleBuilder()
            p.op(opcode)
            expectRefused(p.bytes, .unsupportedOpcode(opcode))
        }
    }

    @Test func allowedGlobalsThatAreNotFunctionsCannotBeCalled() {
        var p = PickleBuilder()
        p.global("torch", "FloatStorage")
        p.op(0x29)
        p.op(0x52)
        p.stop()
        expectRefused(p.bytes, .notCallable("the global 'torch.FloatStorage'"))
    }

    @Test func malformedPicklesAreErrors() {
        expectRefused([0x80, 2], .missingStop)
        expectRefused([0x80, 2, 0x58, 10, 0, 0, 0, 0x41], .truncated(needed: 9))
        expectRefused([0x80, 2, 0x2E], .stackUnderflow)
        expectRefused([0x80, 2, 0x74], .missingMark)
        expectRefused([0x80, 2, 0x68, 3], .unknownMemoIndex(3))
        expectRefused([0x80, 9], .unsupportedProtocol(9))
        expectRefused([0x80, 2, 0x8A, 9] + Array(repeating: 1, count: 9), .integerTooLarge(byteCount: 9))
        expectRefused([0x80, 2, 0x58, 1, 0, 0, 0, 0xFF, 0x2E], .invalidUTF8)
        expectRefused([0x80, 2, 0x5D, 0x2E], .notAStateDict(found: "a list"))
        expectRefused([0x80, 2, 0x7D, 0x4B, 1, 0x4B, 2, 0x73, 0x2E], .nonStringKey(found: "an int"))
        var entry = PickleBuilder()
        entry.op(0x7D)
        entry.string("step")
        entry.int(3)
        entry.op(0x73)
        entry.stop()
        expectRefused(entry.bytes, .notATensor(key: "step", found: "an int"))
    }

    @Test func duplicateNamesAreRefused() {
        expectRefused(PickleBuilder.stateDict([Self.weight, Self.weight]), .duplicateKey("w"))
    }

    @Test func untypedStoragesNeedADType() {
        var tensor = Self.weight
        tensor.storageClass = "UntypedStorage"
        expectRefused(
            PickleBuilder.stateDict([tensor]),
            .invalidTensorArguments("_rebuild_tensor_v2 on an untyped storage gives no dtype"))
    }

    /// 200,000 nested tuples and a list that contains itself: no recursion, no trap.
    @Test func deepNestingAndCyclesDoNotTrap() {
        var deep = PickleBuilder()
        deep.op(0x29)
        for _ in 0..<200_000 { deep.op(0x85) }
        deep.stop()
        expectRefused(deep.bytes, .notAStateDict(found: "a tuple"))

        var cycle = PickleBuilder()
        cycle.op(0x5D)
        cycle.raw([0x71, 0])
        cycle.raw([0x68, 0])
        cycle.op(0x61)
        cycle.stop()
        expectRefused(cycle.bytes, .notAStateDict(found: "a list"))
    }

    @Test func errorsNameTheOpcodeOffset() throws {
        let error = try #require(throws: PickleError.self) { try unpickle([0x80, 2, 0x4E, 0x4E, 0x69]) }
        #expect(error.offset == 4)
        #expect(error.description == "pickle byte 4: unsupported pickle opcode 0x69 (not one torch.save writes for a state dict)")
    }
}
