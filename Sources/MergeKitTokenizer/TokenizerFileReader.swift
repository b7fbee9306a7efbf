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

    static func json(at path: String) throws(TokenizerError) -> JSONValue {
        try withBytes(at: path) { bytes throws(TokenizerError) in
            do {
                return try JSONParser.parse(bytes)
            } catch {
                throw TokenizerError(.file(path, "is not valid JSON: \(error)"))
            }
        }
    }

    static func text(at path: String) throws(TokenizerError) -> String {
        let text = try withBytes(at: path) { bytes in String(validating: bytes, as: UTF8.self) }
        guard let text else {
            throw TokenizerError(.file(path, "is not valid UTF-8"))
        }
        return text
    }
}
