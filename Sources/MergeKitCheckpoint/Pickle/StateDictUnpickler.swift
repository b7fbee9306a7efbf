import MergeKitSafetensors
import MergeKitTensor

/// A pickle interpreter that understands only what `torch.save` writes for a state dict, and
/// executes nothing: GLOBAL resolves names against `TorchGlobal`'s allow-list (anything else
/// stops the read at once), and REDUCE on an allowed name builds a description of the dict or
/// tensor instead of calling anything. Persistent ids become storage references; the storage
/// bytes stay in the archive, never copied.
struct StateDictUnpickler {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    /// Where the opcode being run starts, for errors.
    private var opcodeOffset = 0
    private var nodes: [PickleNode] = []
    private var stack: [Int] = []
    private var marks: [Int] = []
    private var memo: [Int: Int] = [:]

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The tensors of the state dict pickled in `bytes`, in dict order.
    static func tensors(in bytes: UnsafeRawBufferPointer) throws(PickleError) -> [(name: String, tensor: PickledTensor)] {
        var machine = StateDictUnpickler(bytes)
        let root = try machine.run()
        return try machine.stateDict(root)
    }

    // MARK: - The interpreter loop

    private mutating func run() throws(PickleError) -> Int {
        while true {
            opcodeOffset = position
            let byte = try readByte(orElse: .missingStop)
            guard let opcode = PickleOpcode(rawValue: byte) else { throw fail(.unsupportedOpcode(byte)) }
            switch opcode {
            case .proto:
                let version = Int(try readByte())
                guard version <= 5 else { throw fail(.unsupportedProtocol(version)) }
            case .frame:
                _ = try read(8)
            case .stop:
                return try pop()
            case .mark:
                marks.append(stack.count)
            case .pop:
                _ = try pop()
            case .popMark:
                _ = try popToMark()
            case .none:
                push(.none)
            case .newTrue:
                push(.bool(true))
            case .newFalse:
                push(.bool(false))
            case .binInt:
                push(.int(Int(Int32(bitPattern: try readUInt32()))))
            case .binInt1:
                push(.int(Int(try readByte())))
            case .binInt2:
                push(.int(Int(try readUInt16())))
            case .long1:
                push(.int(try readLong(byteCount: Int(try readByte()))))
            case .binFloat:
                let raw = try read(8)
                let bits = raw.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
                push(.float(Double(bitPattern: bits)))
            case .binUnicode:
                push(.string(try readUTF8(count: Int(try readUInt32()))))
            case .shortBinUnicode:
                push(.string(try readUTF8(count: Int(try readByte()))))
            case .binUnicode8:
                push(.string(try readUTF8(count: try readCount64())))
            case .binString:
                push(.string(String(decoding: try read(Int(try readUInt32())), as: UTF8.self)))
            case .shortBinString:
                push(.string(String(decoding: try read(Int(try readByte())), as: UTF8.self)))
            case .binBytes:
                push(.bytes(count: try read(Int(try readUInt32())).count))
            case .shortBinBytes:
                push(.bytes(count: try read(Int(try readByte())).count))
            case .emptyTuple:
                push(.tuple([]))
            case .tuple:
                push(.tuple(try popToMark()))
            case .tuple1:
                let items = try pop(1)
                push(.tuple(items))
            case .tuple2:
                let items = try pop(2)
                push(.tuple(items))
            case .tuple3:
                let items = try pop(3)
                push(.tuple(items))
            case .emptyList:
                push(.list([]))
            case .append:
                let item = try pop()
                try appendToList(under: [item])
            case .appends:
                let items = try popToMark()
                try appendToList(under: items)
            case .emptyDict:
                push(.dict([]))
            case .setItem:
                let pair = try pop(2)
                try setItems(pair)
            case .setItems:
                try setItems(try popToMark())
            case .global:
                let module = try readLine()
                let name = try readLine()
                push(.global(try resolve(module: module, name: name)))
            case .stackGlobal:
                let pair = try pop(2)
                let module = try string(pair[0], for: "a module name")
                let name = try string(pair[1], for: "a global name")
                push(.global(try resolve(module: module, name: name)))
            case .reduce:
                let pair = try pop(2)
                push(try call(pair[0], with: pair[1]))
            case .build:
                let state = try pop()
                try build(state: state)
            case .binPersistentID:
                push(.storage(try storage(from: try pop())))
            case .binPut:
                try put(Int(try readByte()))
            case .longBinPut:
                try put(Int(try readUInt32()))
            case .memoize:
                try put(memo.count)
            case .binGet:
                try get(Int(try readByte()))
            case .longBinGet:
                try get(Int(try readUInt32()))
            }
        }
    }

    private func fail(_ kind: PickleError.Kind) -> PickleError {
        PickleError(offset: opcodeOffset, kind: kind)
    }

    // MARK: - Reading operands

    private mutating func read(_ count: Int) throws(PickleError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw fail(.truncated(needed: count - (bytes.count - position)))
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    private mutating func readByte(orElse kind: PickleError.Kind? = nil) throws(PickleError) -> UInt8 {
        guard position < bytes.count else { throw fail(kind ?? .truncated(needed: 1)) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func readUInt16() throws(PickleError) -> UInt16 {
        let raw = try read(2)
        return UInt16(raw[0]) | UInt16(raw[1]) << 8
    }

    private mutating func readUInt32() throws(PickleError) -> UInt32 {
        let raw = try read(4)
        return raw.reversed().reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
    }

    private mutating func readCount64() throws(PickleError) -> Int {
        let raw = try read(8)
        let value = raw.reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        guard let count = Int(exactly: value) else { throw fail(.truncated(needed: Int.max)) }
        return count
    }

    /// A little-endian two's complement integer of `byteCount` bytes (LONG1).
    private mutating func readLong(byteCount: Int) throws(PickleError) -> Int {
        let raw = try read(byteCount)
        guard byteCount <= 8 else { throw fail(.integerTooLarge(byteCount: byteCount)) }
        guard byteCount > 0 else { return 0 }
        var value = raw.reversed().reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        if byteCount < 8, raw[byteCount - 1] & 0x80 != 0 {
            value |= ~UInt64(0) << UInt64(byteCount * 8)
        }
        return Int(Int64(bitPattern: value))
    }

    private mutating func readUTF8(count: Int) throws(PickleError) -> String {
        let raw = try read(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail(.invalidUTF8) }
        return text
    }

    /// A newline-terminated operand of GLOBAL.
    private mutating func readLine() throws(PickleError) -> String {
        guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else {
            throw fail(.truncated(needed: 1))
        }
        let line = try read(end - position)
        position += 1
        return String(decoding: line, as: UTF8.self)
    }

    // MARK: - Stack, marks and memo

    private mutating func push(_ node: PickleNode) {
        nodes.append(node)
        stack.append(nodes.count - 1)
    }

    private mutating func pop() throws(PickleError) -> Int {
        guard let top = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail(.stackUnderflow) }
        return top
    }

    /// The top `count` values, bottom first.
    private mutating func pop(_ count: Int) throws(PickleError) -> [Int] {
        guard stack.count - count >= (marks.last ?? 0) else { throw fail(.stackUnderflow) }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func popToMark() throws(PickleError) -> [Int] {
        guard let mark = marks.popLast() else { throw fail(.missingMark) }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func put(_ index: Int) throws(PickleError) {
        guard let top = stack.last else { throw fail(.stackUnderflow) }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws(PickleError) {
        guard let node = memo[index] else { throw fail(.unknownMemoIndex(index)) }
        stack.append(node)
    }

    // MARK: - Containers

    private mutating func appendToList(under items: [Int]) throws(PickleError) {
        guard let target = stack.last, case .list(var members) = nodes[target] else {
            throw fail(.unexpectedValue(expected: "a list to append to", found: stack.last.map { nodes[$0].kindDescription } ?? "nothing"))
        }
        nodes[target] = .none
        members.append(contentsOf: items)
        nodes[target] = .list(members)
    }

    private mutating func setItems(_ items: [Int]) throws(PickleError) {
        guard items.count.isMultiple(of: 2) else { throw fail(.stackUnderflow) }
        guard let target = stack.last, case .dict(var entries) = nodes[target] else {
            throw fail(.unexpectedValue(expected: "a dict to set items in", found: stack.last.map { nodes[$0].kindDescription } ?? "nothing"))
        }
        nodes[target] = .none
        for pair in stride(from: 0, to: items.count, by: 2) {
            entries.append((key: items[pair], value: items[pair + 1]))
        }
        nodes[target] = .dict(entries)
    }

    /// BUILD sets an object's state. torch.save uses it only for the state dict's `_metadata`
    /// attribute (per-module versions), which does not change any tensor, so it is dropped.
    private mutating func build(state: Int) throws(PickleError) {
        guard let target = stack.last, case .dict = nodes[target] else {
            throw fail(.unexpectedValue(expected: "a dict to set state on", found: stack.last.map { nodes[$0].kindDescription } ?? "nothing"))
        }
        _ = state
    }

    // MARK: - Globals and calls

    private func resolve(module: String, name: String) throws(PickleError) -> TorchGlobal {
        guard let global = TorchGlobal(module: module, name: name) else {
            throw fail(.forbiddenGlobal(module: module, name: name))
        }
        return global
    }

    private mutating func call(_ callable: Int, with arguments: Int) throws(PickleError) -> PickleNode {
        guard case .global(let global) = nodes[callable] else { throw fail(.notCallable(nodes[callable].kindDescription)) }
        guard case .tuple(let args) = nodes[arguments] else {
            throw fail(.unexpectedValue(expected: "an argument tuple", found: nodes[arguments].kindDescription))
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else {
                throw fail(.unexpectedValue(expected: "OrderedDict() without arguments", found: "\(args.count) arguments"))
            }
            return .dict([])
        case .rebuildTensorV2:
            guard args.count == 6 || args.count == 7 else {
                throw fail(.invalidTensorArguments("_rebuild_tensor_v2 takes 6 or 7 arguments, found \(args.count)"))
            }
            return .tensor(try tensor(args, dtype: nil))
        case .rebuildTensorV3:
            guard args.count == 7 || args.count == 8 else {
                throw fail(.invalidTensorArguments("_rebuild_tensor_v3 takes 7 or 8 arguments, found \(args.count)"))
            }
            guard case .global(.dtype(let dtype)) = nodes[args[6]] else {
                throw fail(.invalidTensorArguments("_rebuild_tensor_v3's dtype is \(nodes[args[6]].kindDescription)"))
            }
            return .tensor(try tensor(args, dtype: dtype))
        case .rebuildParameter:
            guard args.count == 3 || args.count == 4, case .tensor(let tensor) = nodes[args[0]] else {
                throw fail(.invalidTensorArguments("_rebuild_parameter takes a tensor and 2 or 3 more arguments"))
            }
            return .tensor(tensor)
        case .storage, .dtype:
            throw fail(.notCallable("the global '\(global.qualifiedName)'"))
        }
    }

    /// A tensor from `(storage, storage_offset, size, stride, requires_grad, backward_hooks, ...)`.
    /// Typed storages give the dtype; untyped ones need `dtype` (from `_rebuild_tensor_v3`).
    private func tensor(_ args: [Int], dtype: DType?) throws(PickleError) -> PickledTensor {
        guard case .storage(let storage) = nodes[args[0]] else {
            throw fail(.invalidTensorArguments("the storage is \(nodes[args[0]].kindDescription)"))
        }
        guard case .int(let offset) = nodes[args[1]] else {
            throw fail(.invalidTensorArguments("the storage offset is \(nodes[args[1]].kindDescription)"))
        }
        guard let shape = ints(args[2]), let strides = ints(args[3]) else {
            throw fail(.invalidTensorArguments("size and stride must be tuples of integers"))
        }
        let resolved: DType
        switch (storage.type, dtype) {
        case (.typed(let typed), nil): resolved = typed
        case (.untyped, let given?): resolved = given
        case (.typed(let typed), let given?):
            guard typed == given else {
                throw fail(.invalidTensorArguments("a \(given.torchName) tensor on a \(typed.torchName) storage"))
            }
            resolved = typed
        case (.untyped, nil):
            throw fail(.invalidTensorArguments("_rebuild_tensor_v2 on an untyped storage gives no dtype"))
        }
        return PickledTensor(storage: storage, dtype: resolved, offset: offset, shape: shape, strides: strides)
    }

    private func ints(_ node: Int) -> [Int]? {
        guard case .tuple(let items) = nodes[node] else { return nil }
        var values: [Int] = []
        values.reserveCapacity(items.count)
        for item in items {
            guard case .int(let value) = nodes[item] else { return nil }
            values.append(value)
        }
        return values
    }

    private func string(_ node: Int, for role: String) throws(PickleError) -> String {
        guard case .string(let text) = nodes[node] else {
            throw fail(.unexpectedValue(expected: role, found: nodes[node].kindDescription))
        }
        return text
    }

    /// A persistent id: `('storage', storage_type, key, location, numel)`.
    private func storage(from id: Int) throws(PickleError) -> PickledStorage {
        guard case .tuple(let items) = nodes[id], items.count == 5,
              case .string("storage") = nodes[items[0]],
              case .global(.storage(let type)) = nodes[items[1]],
              case .string(let key) = nodes[items[2]],
              case .string = nodes[items[3]],
              case .int(let count) = nodes[items[4]], count >= 0 else {
            throw fail(.unexpectedValue(
                expected: "a persistent id ('storage', storage type, key, location, numel)", found: nodes[id].kindDescription))
        }
        return PickledStorage(type: type, key: key, count: count)
    }

    // MARK: - The result

    private func stateDict(_ root: Int) throws(PickleError) -> [(name: String, tensor: PickledTensor)] {
        guard case .dict(let entries) = nodes[root] else { throw fail(.notAStateDict(found: nodes[root].kindDescription)) }
        var tensors: [(name: String, tensor: PickledTensor)] = []
        tensors.reserveCapacity(entries.count)
        var seen = Set<ByteString>()
        for entry in entries {
            guard case .string(let name) = nodes[entry.key] else { throw fail(.nonStringKey(found: nodes[entry.key].kindDescription)) }
            guard case .tensor(let tensor) = nodes[entry.value] else {
                throw fail(.notATensor(key: name, found: nodes[entry.value].kindDescription))
            }
            guard seen.insert(ByteString(name)).inserted else { throw fail(.duplicateKey(name)) }
            tensors.append((name, tensor))
        }
        return tensors
    }
}
