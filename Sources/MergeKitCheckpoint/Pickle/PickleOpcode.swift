/// The pickle opcodes a state dict written by `torch.save` (protocol 2) can contain, plus the
/// protocol 4 framing and memo opcodes other writers of the same data use. Any other opcode,
/// among them the ones that build arbitrary objects (INST, OBJ, NEWOBJ, EXT*), is refused.
enum PickleOpcode: UInt8 {
    case proto = 0x80
    case frame = 0x95
    case stop = 0x2E            // .
    case mark = 0x28            // (
    case pop = 0x30             // 0
    case popMark = 0x31         // 1
    case none = 0x4E            // N
    case newTrue = 0x88
    case newFalse = 0x89
    case binInt = 0x4A          // J: 4-byte signed
    case binInt1 = 0x4B         // K: 1-byte unsigned
    case binInt2 = 0x4D         // M: 2-byte unsigned
    case long1 = 0x8A           // n-byte two's complement, n in one byte
    case binFloat = 0x47        // G: 8-byte big-endian double
    case binUnicode = 0x58      // X: 4-byte length
    case shortBinUnicode = 0x8C // 1-byte length
    case binUnicode8 = 0x8D     // 8-byte length
    case binString = 0x54       // T: 4-byte length (protocol 1 str)
    case shortBinString = 0x55  // U: 1-byte length
    case binBytes = 0x42        // B: 4-byte length
    case shortBinBytes = 0x43   // C: 1-byte length
    case emptyTuple = 0x29      // )
    case tuple = 0x74           // t
    case tuple1 = 0x85
    case tuple2 = 0x86
    case tuple3 = 0x87
    case emptyList = 0x5D       // ]
    case append = 0x61          // a
    case appends = 0x65         // e
    case emptyDict = 0x7D       // }
    case setItem = 0x73         // s
    case setItems = 0x75        // u
    case global = 0x63          // c: "module\nname\n"
    case stackGlobal = 0x93
    case reduce = 0x52          // R
    case build = 0x62           // b
    case binPersistentID = 0x51 // Q
    case binPut = 0x71          // q: 1-byte index
    case longBinPut = 0x72      // r: 4-byte index
    case memoize = 0x94
    case binGet = 0x68          // h: 1-byte index
    case longBinGet = 0x6A      // j: 4-byte index
}
