/// Why a state-dict pickle was refused, and at which byte of it.
public struct PickleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset in the pickle of the opcode being run.
    public let offset: Int
    public let kind: Kind

    public enum Kind: Sendable, Equatable {
        /// A global outside the allow-list: the reason a pickle can run code.
        case forbiddenGlobal(module: String, name: String)
        case unsupportedOpcode(UInt8)
        case unsupportedProtocol(Int)
        /// The opcode needs `needed` more bytes than the pickle has.
        case truncated(needed: Int)
        /// The pickle ends without a STOP opcode.
        case missingStop
        case stackUnderflow
        case missingMark
        case unknownMemoIndex(Int)
        case integerTooLarge(byteCount: Int)
        case invalidUTF8
        /// An opcode found the wrong kind of value: what it needed and what it found.
        case unexpectedValue(expected: String, found: String)
        /// Something other than a tensor-building global was called (`REDUCE`).
        case notCallable(String)
        /// A tensor's rebuild arguments are not what torch writes.
        case invalidTensorArguments(String)
        /// The top-level object is not a dict of tensors.
        case notAStateDict(found: String)
        case nonStringKey(found: String)
        /// `key`'s value is not a tensor.
        case notATensor(key: String, found: String)
        case duplicateKey(String)
    }

    public var description: String { "pickle byte \(offset): \(kind)" }
}

extension PickleError.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .forbiddenGlobal(let module, let name):
            return "refuses the global '\(module).\(name)': a state dict saved by torch.save uses only "
                + TorchGlobal.allowedDescription
                + "; anything else could run code when unpickled, so the file is not read"
        case .unsupportedOpcode(let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "unsupported pickle opcode 0x\(hex.count == 1 ? "0" + hex : hex) (not one torch.save writes for a state dict)"
        case .unsupportedProtocol(let version):
            return "unsupported pickle protocol \(version)"
        case .truncated(let needed):
            return "the pickle ends \(needed) bytes too early"
        case .missingStop:
            return "the pickle ends without its STOP opcode (truncated?)"
        case .stackUnderflow:
            return "an opcode needs more values than the pickle stack holds"
        case .missingMark:
            return "an opcode needs a MARK that was never pushed"
        case .unknownMemoIndex(let index):
            return "memo entry \(index) is read before it is written"
        case .integerTooLarge(let byteCount):
            return "a \(byteCount)-byte integer does not fit in 64 bits"
        case .invalidUTF8:
            return "a string is not valid UTF-8"
        case .unexpectedValue(let expected, let found):
            return "expected \(expected), found \(found)"
        case .notCallable(let found):
            return "\(found) is called, but only OrderedDict and the tensor rebuild functions may be"
        case .invalidTensorArguments(let detail):
            return "invalid tensor rebuild arguments: \(detail)"
        case .notAStateDict(let found):
            return "the checkpoint holds \(found), not a state dict (a dict from tensor names to tensors)"
        case .nonStringKey(let found):
            return "a state dict key is \(found), not a string"
        case .notATensor(let key, let found):
            return "state dict entry '\(key)' is \(found), not a tensor"
        case .duplicateKey(let key):
            return "state dict key '\(key)' appears twice"
        }
    }
}
