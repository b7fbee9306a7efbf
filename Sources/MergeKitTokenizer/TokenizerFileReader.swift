import MergeKitSafetensors

/// Reads the JSON and text files of a tokenizer through a read-only memory map.
enum TokenizerFileReader {
    /// Calls `body` with the bytes of the file at `path`.
    static func withBytes<Result>(
        at path: String, _ body: (UnsafeRawBufferPointer) throws(TokenizerError) -> Result
    ) throws(TokenizerError) -> Result {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw TokenizerError(.file(path, "cannot be read: \(error.kind)"))
        }
        return try file.withBytes(body)
    }

    /// Calls `body` with the bytes of `content` (a file made in memory).
    static func withBytes<Result>(
        of content: [UInt8], _ body: (UnsafeRawBufferPointer) throws(TokenizerError) -> Result
    ) throws(TokenizerError) -> Result {
        // Array's withUnsafeBytes rethrows untyped errors: the typed one travels in a Result.
        let outcome = content.withUnsafeBytes { bytes in Swift.Result { () throws(TokenizerError) in try body(bytes) } }
        return try outcome.get()
    }

    static func json(at path: String) throws(TokenizerError) -> JSONValue {
        try withBytes(at: path) { bytes throws(TokenizerError) in try json(bytes, file: path) }
    }

    /// `bytes` parsed as JSON; `file` names them in the error.
    static func json(_ bytes: UnsafeRawBufferPointer, file: String) throws(TokenizerError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw TokenizerError(.file(file, "is not valid JSON: \(error)"))
        }
    }

    static func text(at path: String) throws(TokenizerError) -> String {
        try withBytes(at: path) { bytes throws(TokenizerError) in try text(bytes, file: path) }
    }

    /// `bytes` as UTF-8 text; `file` names them in the error.
    static func text(_ bytes: UnsafeRawBufferPointer, file: String) throws(TokenizerError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TokenizerError(.file(file, "is not valid UTF-8"))
        }
        return text
    }
}
