internal import CYaml

/// libyaml's event parser over one in-memory text. Owns the `yaml_parser_t` (initialized in init,
/// `yaml_parser_delete` in deinit) and a private copy of the input, because libyaml keeps pointers
/// to both for as long as it parses.
final class YAMLEventStream {
    let file: String
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    /// The input bytes plus a NUL terminator, so the buffer is never empty.
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let inputLength: Int
    /// `yaml_parser_initialize` fails only when it cannot allocate; `next()` reports that.
    private let isInitialized: Bool

    init(utf8 bytes: [UInt8], file: String) {
        self.file = file
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        inputLength = bytes.count
        input = .allocate(capacity: bytes.count + 1)
        _ = input.initialize(from: bytes + [0])
        isInitialized = yaml_parser_initialize(parser) != 0
        if isInitialized, let start = input.baseAddress {
            yaml_parser_set_input_string(parser, start, inputLength)
        }
    }

    deinit {
        if isInitialized {
            yaml_parser_delete(parser)
        }
        parser.deinitialize(count: 1)
        parser.deallocate()
        input.deinitialize()
        input.deallocate()
    }

    /// The next event (wraps `yaml_parser_parse`), or libyaml's error at its position.
    func next() throws(YAMLError) -> YAMLEvent {
        guard isInitialized else {
            throw YAMLError(location: SourceLocation(file: file, line: 1, column: 1),
                            message: "libyaml could not allocate its parser")
        }
        let event = YAMLEvent()
        guard yaml_parser_parse(parser, event.pointer) != 0 else {
            throw currentError()
        }
        return event
    }

    /// Converts a libyaml mark (0-based line and column, columns counted in characters) to ours.
    /// libyaml puts the end of a stream that lacks a final newline on a line of its own; such
    /// marks are moved back to the real end of the text, so they point at a line that exists.
    func location(_ mark: yaml_mark_t) -> SourceLocation {
        let location = SourceLocation(file: file, line: Self.oneBased(mark.line), column: Self.oneBased(mark.column))
        return min(location, endOfInput)
    }

    private lazy var endOfInput: SourceLocation = location(ofByteOffset: inputLength)

    private static func oneBased(_ value: Int) -> Int {
        value < Int.max ? max(value, 0) + 1 : Int.max
    }

    private func currentError() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown libyaml error"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(location: location(state.mark), message: "libyaml ran out of memory")
        case YAML_READER_ERROR:
            // The reader reports a byte offset into the input, not a mark.
            return YAMLError(location: location(ofByteOffset: state.problem_offset),
                             message: Self.readerMessage(problem, value: state.problem_value))
        default:
            let problemLocation = location(state.problem_mark)
            var message = problem
            var hint = ""
            if problem == "found character that cannot start any token",
               let character = character(at: problemLocation) {
                if character == "\t" {
                    message = "found a tab character that cannot start any token"
                    hint = "; indent with spaces, not tabs"
                } else {
                    message = "found character '\(character)' that cannot start any token"
                }
            }
            if let contextPointer = state.context {
                let context = String(cString: contextPointer)
                let contextLocation = location(state.context_mark)
                if contextLocation == problemLocation {
                    message += " (\(context))"
                } else {
                    message += " (\(context) that starts at line \(contextLocation.line), "
                        + "column \(contextLocation.column))"
                }
            }
            return YAMLError(location: problemLocation, message: message + hint)
        }
    }

    /// libyaml's reader text plus the offending value: a byte for UTF-8 problems, a code point
    /// for disallowed characters such as NUL.
    private static func readerMessage(_ problem: String, value: Int32) -> String {
        guard value >= 0 else { return problem }
        let hex = String(value, radix: 16, uppercase: true)
        if problem.contains("octet") {
            return "\(problem) (byte 0x\(hex.count < 2 ? "0" + hex : hex))"
        }
        return "\(problem) (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
    }

    /// Line and column of a byte offset, counted the way libyaml counts marks. Bytes before the
    /// offset are valid UTF-8 (the reader stops at the first bad one).
    private func location(ofByteOffset offset: Int) -> SourceLocation {
        var found = SourceLocation(file: file, line: 1, column: 1)
        walkCharacters { index, line, column in
            found = SourceLocation(file: file, line: line, column: column)
            return index < offset
        }
        return found
    }

    /// The character libyaml's scanner stopped at, for messages that should show it.
    private func character(at location: SourceLocation) -> Unicode.Scalar? {
        var startIndex: Int?
        walkCharacters { index, line, column in
            if line == location.line && column == location.column {
                startIndex = index
                return false
            }
            return line <= location.line
        }
        guard let startIndex else { return nil }
        let end = min(startIndex + 4, inputLength)
        var decoder = UTF8()
        var bytes = input[startIndex..<end].makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&bytes) {
            return scalar
        }
        return nil
    }

    /// Visits the start of every character with its 1-based line and column, counted as libyaml
    /// counts marks: columns in characters, a leading byte-order mark not counted, and CR LF,
    /// CR, LF, NEL, LS and PS each ending a line. Stops when `visit` returns false.
    private func walkCharacters(_ visit: (_ byteIndex: Int, _ line: Int, _ column: Int) -> Bool) {
        let count = inputLength
        var index = 0
        if count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            index = 3
        }
        var line = 1
        var column = 1
        while index <= count {
            guard visit(index, line, column), index < count else { return }
            let byte = input[index]
            var breakLength = 0
            switch byte {
            case 0x0A:
                breakLength = 1
            case 0x0D:
                breakLength = index + 1 < count && input[index + 1] == 0x0A ? 2 : 1
            case 0xC2 where index + 1 < count && input[index + 1] == 0x85:
                breakLength = 2
            case 0xE2 where index + 2 < count && input[index + 1] == 0x80
                && (input[index + 2] == 0xA8 || input[index + 2] == 0xA9):
                breakLength = 3
            default:
                break
            }
            if breakLength > 0 {
                line += 1
                column = 1
                index += breakLength
                continue
            }
            index += 1
            while index < count, input[index] & 0xC0 == 0x80 {
                index += 1
            }
            column += 1
        }
    }
}
